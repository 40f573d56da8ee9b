package native

/*
#include "vigil.h"
#include "vg_error.h"

static int32_t vg_edge_new(const vigil_client *c, const vigil_pair *opts, size_t n, vigil_edge **out,
                           char *err, size_t cap) {
	int32_t s = vigil_edge_new(c, opts, n, out);
	vg_copy_error(s, err, cap);
	return s;
}
*/
import "C"

import (
	"runtime"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"
)

// Edge is the core's HTTP edge policy: the client IP behind proxies, the device cookie and the
// block response. Middlewares only read their request and write what it renders.
type Edge struct {
	e      *C.vigil_edge
	header string
	// noDevice: the device cookie is disabled (device_cookie = ""); an edge never changes.
	noDevice atomic.Bool
}

// NewEdge is the running client's edge settings (the defaults when Vigil is not started) with
// overrides (edge options only: trusted_proxies, client_ip_header, block_status...) over them.
func NewEdge(overrides map[string]string) (*Edge, error) {
	a := getArena()
	defer putArena(a)
	var c *C.vigil_client
	if h := acquire(); h != nil {
		defer h.release()
		c = h.c
	}
	p, n := a.pairs(overrides)
	var e *C.vigil_edge
	if err := a.status(C.vg_edge_new(c, p, n, &e, a.errBuf, errCap)); err != nil {
		return nil, err
	}
	edge := &Edge{e: e, header: C.GoString(C.vigil_edge_client_ip_header(e))}
	runtime.SetFinalizer(edge, func(edge *Edge) { C.vigil_edge_free(edge.e) })
	return edge, nil
}

// Header is the lower-case name of the one header the client IP is read from.
func (e *Edge) Header() string { return e.header }

// ClientIP is the client IP of a request from its peer address (RemoteAddr) and the lines of
// Header(); "" when the peer is not an address.
func (e *Edge) ClientIP(peer string, lines []string) string {
	a := getArena()
	defer putArena(a)
	var base *C.vigil_str
	if len(lines) > 0 {
		base = (*C.vigil_str)(a.alloc(uintptr(len(lines))*C.sizeof_vigil_str, 8))
		out := unsafe.Slice(base, len(lines))
		for i, l := range lines {
			out[i] = a.name(l)
		}
	}
	buf := (*C.char)(a.alloc(C.VIGIL_IP_TEXT_MAX, 1))
	s := C.vigil_client_ip(e.e, a.str(peer), base, C.size_t(len(lines)), buf, C.VIGIL_IP_TEXT_MAX)
	runtime.KeepAlive(e)
	if s != C.VIGIL_OK {
		return ""
	}
	return C.GoString(buf)
}

// Device is the request's device from its Cookie header (several joined with "; "): the
// signed cookie's id when it is valid, else a fresh id and the whole Set-Cookie header value
// to send with the response. "" and "" when the device cookie is disabled.
func (e *Edge) Device(cookieHeader string) (device, setCookie string) {
	if e.noDevice.Load() {
		return "", ""
	}
	a := getArena()
	defer putArena(a)
	buf := (*C.char)(a.alloc(C.VIGIL_DEVICE_TEXT_MAX, 1))
	slot := (**C.char)(a.alloc(unsafe.Sizeof((*C.char)(nil)), 8))
	*slot = nil
	s := C.vigil_edge_device(e.e, a.str(cookieHeader), buf, slot)
	runtime.KeepAlive(e)
	if s != C.VIGIL_OK {
		// Only absurd arguments fail (a header longer than memory): no device, the request goes on.
		return "", ""
	}
	device = C.GoString(buf)
	if *slot != nil {
		setCookie = C.GoString(*slot)
		C.vigil_string_free(*slot)
	}
	if device == "" {
		e.noDevice.Store(true)
	}
	return device, setCookie
}

// Response is a rendered block response.
type Response struct {
	Status  int
	Headers [][2]string
	Body    []byte
}

// RenderBlock is the response to a request blocked by d, for its Accept header.
func (e *Edge) RenderBlock(d *Decision, accept string) Response {
	a := getArena()
	defer putArena(a)
	cd := a.decision
	*cd = C.vigil_decision{action: C.VIGIL_ACTION_BLOCK}
	if d != nil {
		if d.Action == "redirect" {
			cd.action = C.VIGIL_ACTION_REDIRECT
		}
		fill(cd.id[:], d.ID)
		fill(cd.reason[:], d.Reason)
		fill(cd.redirect_url[:], d.RedirectURL)
	}
	var r C.vigil_response
	s := C.vigil_block_response(e.e, cd, a.str(accept), &r)
	runtime.KeepAlive(e)
	if s != C.VIGIL_OK {
		// Fail closed on the block itself: the decision stands even if rendering failed.
		return Response{Status: 403, Headers: [][2]string{{"Cache-Control", "no-store"}}}
	}
	defer C.vigil_response_free(&r)
	out := Response{Status: int(r.status), Body: C.GoBytes(unsafe.Pointer(r.body), C.int(r.body_len))}
	for _, h := range unsafe.Slice(r.headers, r.n_headers) {
		out.Headers = append(out.Headers, [2]string{goStr(h.key), goStr(h.value)})
	}
	return out
}

func goStr(s C.vigil_str) string {
	if s.len == 0 {
		return ""
	}
	return C.GoStringN(s.ptr, C.int(s.len))
}

// fill copies s into a C char array, NUL-terminated and truncated on a UTF-8 boundary.
func fill(dst []C.char, s string) {
	n := len(s)
	if n > len(dst)-1 {
		n = len(dst) - 1
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
	}
	for i := 0; i < n; i++ {
		dst[i] = C.char(s[i])
	}
	dst[n] = 0
}
