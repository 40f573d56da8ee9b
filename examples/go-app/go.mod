module github.com/vigil-ato/vigil/examples/go-app

go 1.25.0

require github.com/vigil-ato/vigil/go v0.0.0

replace github.com/vigil-ato/vigil/go => ../../go
