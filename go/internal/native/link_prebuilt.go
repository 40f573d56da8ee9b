//go:build !vigil_dev

package native

// The prebuilt Rust library ships inside the module, so `go get` + `go build` need no Rust
// toolchain. Rebuild it with `make go-lib`. Platforms without a library here fail to link;
// build with `-tags vigil_dev` against a local `cargo build -p vigil-capi` instead.

/*
#cgo linux,amd64 LDFLAGS: ${SRCDIR}/lib/linux_amd64/libvigil.a -lm -ldl -lpthread -lrt -lutil
*/
import "C"
