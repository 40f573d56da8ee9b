//go:build vigil_dev

package native

// Developers link the library cargo just built in the repository's target directory.

/*
#cgo LDFLAGS: ${SRCDIR}/../../../target/debug/libvigil.a -lm -ldl -lpthread -lrt -lutil
*/
import "C"
