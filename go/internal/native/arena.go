package native

/*
#include <stdlib.h>
#include "vigil.h"
*/
import "C"

import (
	"runtime"
	"sync"
	"unsafe"
)

const (
	arenaSize = 32 << 10
	errCap    = 512
)

// arena is a block of C memory that one call copies its arguments into: C never sees Go memory,
// and pooling makes the copy allocation-free. Larger arguments spill into one-off C blocks.
type arena struct {
	base     unsafe.Pointer
	used     uintptr
	spills   []unsafe.Pointer
	errBuf   *C.char
	decision *C.vigil_decision
}

var arenas = sync.Pool{New: func() any {
	a := &arena{base: C.malloc(arenaSize)}
	if a.base == nil {
		panic("vigil: out of C memory")
	}
	// The pool drops idle arenas at GC; their C memory goes with them.
	runtime.SetFinalizer(a, func(a *arena) { C.free(a.base) })
	return a
}}

func getArena() *arena {
	a := arenas.Get().(*arena)
	a.errBuf = (*C.char)(a.alloc(errCap, 1))
	*a.errBuf = 0
	a.decision = (*C.vigil_decision)(a.alloc(C.sizeof_vigil_decision, 8))
	return a
}

func putArena(a *arena) {
	for _, p := range a.spills {
		C.free(p)
	}
	a.spills = a.spills[:0]
	a.used = 0
	arenas.Put(a)
}

func (a *arena) alloc(size, align uintptr) unsafe.Pointer {
	start := (a.used + align - 1) &^ (align - 1)
	if start+size <= arenaSize {
		a.used = start + size
		return unsafe.Add(a.base, start)
	}
	p := C.malloc(C.size_t(size))
	if p == nil {
		panic("vigil: out of C memory")
	}
	a.spills = append(a.spills, p)
	return p
}

// str copies s into C memory as a vigil_str.
func (a *arena) str(s string) C.vigil_str {
	if len(s) == 0 {
		return C.vigil_str{}
	}
	p := a.alloc(uintptr(len(s)), 1)
	copy(unsafe.Slice((*byte)(p), len(s)), s)
	return C.vigil_str{ptr: (*C.char)(p), len: C.size_t(len(s))}
}

// name copies s like str, but never as "absent": an empty name is invalid, not missing.
func (a *arena) name(s string) C.vigil_str {
	if len(s) == 0 {
		return C.vigil_str{ptr: (*C.char)(a.alloc(1, 1)), len: 0}
	}
	return a.str(s)
}

// cstr copies s into C memory with a terminating NUL.
func (a *arena) cstr(s string) *C.char {
	p := a.alloc(uintptr(len(s))+1, 1)
	b := unsafe.Slice((*byte)(p), len(s)+1)
	copy(b, s)
	b[len(s)] = 0
	return (*C.char)(p)
}

func (a *arena) pairs(m map[string]string) (*C.vigil_pair, C.size_t) {
	if len(m) == 0 {
		return nil, 0
	}
	n := len(m)
	base := (*C.vigil_pair)(a.alloc(uintptr(n)*C.sizeof_vigil_pair, 8))
	out := unsafe.Slice(base, n)
	i := 0
	for k, v := range m {
		out[i] = C.vigil_pair{key: a.str(k), value: a.str(v)}
		i++
	}
	return base, C.size_t(n)
}

func (a *arena) properties(m map[string]string) (*C.vigil_property, C.size_t) {
	if len(m) == 0 {
		return nil, 0
	}
	n := len(m)
	base := (*C.vigil_property)(a.alloc(uintptr(n)*C.sizeof_vigil_property, 8))
	out := unsafe.Slice(base, n)
	i := 0
	for k, v := range m {
		out[i] = C.vigil_property{key: a.str(k), kind: C.VIGIL_PROPERTY_STRING, string: a.str(v)}
		i++
	}
	return base, C.size_t(n)
}

// device is the request's device, absent when there is none.
func (a *arena) device(r *Request) C.vigil_str {
	if r == nil {
		return C.vigil_str{}
	}
	return a.str(r.Device)
}

func (a *arena) request(r *Request) *C.vigil_request {
	if r == nil {
		return nil
	}
	req := (*C.vigil_request)(a.alloc(C.sizeof_vigil_request, 8))
	*req = C.vigil_request{ip: a.str(r.IP), user_agent: a.str(r.UserAgent), method: a.str(r.Method), path: a.str(r.Path)}
	return req
}
