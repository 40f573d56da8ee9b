// Package native is the one place Go calls into Vigil's C ABI (bindings-c/include/vigil.h).
//
// cgo discipline: no Go pointer ever reaches C. Arguments are copied into C memory from a
// pooled arena (see arena.go), so C can neither keep nor see Go memory, calls allocate nothing
// on the Go heap in the common case, and the C side never calls back into Go. Each SDK call is
// exactly one cgo call: the C wrappers below copy the thread-local error message in the same
// call, because a goroutine may change OS threads between two cgo calls.
package native

/*
#cgo CFLAGS: -I${SRCDIR}/include -O2
#include <stdlib.h>
#include <string.h>
#include "vigil.h"
#include "vg_error.h"


static int32_t vg_new(const vigil_pair *opts, size_t n, vigil_client **out, char *err, size_t cap) {
	int32_t s = vigil_client_new_options(opts, n, out);
	vg_copy_error(s, err, cap);
	return s;
}

static int32_t vg_signup(const vigil_client *c, const vigil_pair *ids, size_t n, const vigil_request *req,
                         vigil_str device, char *err, size_t cap) {
	int32_t s = vigil_track_signup_device(c, ids, n, req, device);
	vg_copy_error(s, err, cap);
	return s;
}

static int32_t vg_auth(const vigil_client *c, bool ok, const vigil_pair *ids, size_t n, int32_t exists,
                       const vigil_request *req, vigil_str device, char *err, size_t cap) {
	int32_t s = vigil_track_auth_device(c, ok, ids, n, exists, req, device);
	vg_copy_error(s, err, cap);
	return s;
}

static int32_t vg_event(const vigil_client *c, vigil_str name, const vigil_pair *ids, size_t n,
                        const vigil_property *props, size_t np, int64_t ts, const vigil_request *req,
                        vigil_str device, char *err, size_t cap) {
	int32_t s = vigil_track_event_device(c, name, ids, n, props, np, ts, req, device);
	vg_copy_error(s, err, cap);
	return s;
}

static int32_t vg_identify(const vigil_client *c, const vigil_pair *ids, size_t n, const vigil_request *req,
                           vigil_str device, vigil_decision *out, char *err, size_t cap) {
	int32_t s = vigil_identify_device(c, ids, n, req, device, out);
	vg_copy_error(s, err, cap);
	return s;
}

static int32_t vg_alias(const vigil_client *c, const vigil_pair *old_ids, size_t n_old,
                        const vigil_pair *new_ids, size_t n_new, const vigil_request *req, vigil_str device,
                        char *err, size_t cap) {
	int32_t s = vigil_alias_device(c, old_ids, n_old, new_ids, n_new, req, device);
	vg_copy_error(s, err, cap);
	return s;
}

static int32_t vg_user_key(const vigil_client *c, const vigil_pair *ids, size_t n, uint8_t *key,
                           char *err, size_t cap) {
	int32_t s = vigil_user_key(c, ids, n, key);
	vg_copy_error(s, err, cap);
	return s;
}

static int32_t vg_check(const vigil_client *c, const uint8_t *key, vigil_str ip, vigil_str device,
                        vigil_decision *out, char *err, size_t cap) {
	int32_t s = vigil_check_device(c, key, ip, device, out);
	vg_copy_error(s, err, cap);
	return s;
}

static int32_t vg_check_ip(const vigil_client *c, vigil_str ip, vigil_decision *out, char *err, size_t cap) {
	int32_t s = vigil_check_ip(c, ip, out);
	vg_copy_error(s, err, cap);
	return s;
}

static int32_t vg_normalize(const vigil_client *c, const char *json, char **out, char *err, size_t cap) {
	int32_t s = c ? vigil_client_normalize_json(c, json, out) : vigil_normalize_json(json, out);
	vg_copy_error(s, err, cap);
	return s;
}

static int32_t vg_flush(const vigil_client *c, uint32_t ms, int shutdown, char *err, size_t cap) {
	int32_t s = shutdown ? vigil_shutdown(c, ms) : vigil_flush(c, ms);
	vg_copy_error(s, err, cap);
	return s;
}
*/
import "C"

import (
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Request is what a middleware knows about the current request. Device is the id from the
// signed device cookie (Edge.Device), "" when there is none.
type Request struct {
	IP, UserAgent, Method, Path, Device string
}

// handle wraps the C client pointer (atomic.Pointer cannot hold an incomplete C type) and
// counts the calls using it, so Stop frees it only once no call can still touch it.
type handle struct {
	c    *C.vigil_client
	refs atomic.Int64
	// lazy: started by a middleware's first request, so an explicit Start replaces it.
	lazy bool
}

var (
	current   atomic.Pointer[handle]
	startOnce sync.Mutex
)

// acquire returns the running client for one call (nil if none); release it after.
func acquire() *handle {
	h := current.Load()
	if h == nil {
		return nil
	}
	h.refs.Add(1)
	if current.Load() != h {
		h.refs.Add(-1)
		return nil
	}
	return h
}

func (h *handle) release() { h.refs.Add(-1) }

// inCall is what one call holds: released by done (a method, not a closure, so no allocation).
type inCall struct {
	h *handle
	a *arena
}

func (c inCall) done() {
	putArena(c.a)
	c.h.release()
}

// begin prepares one call: the running client (nil if none) and an arena for its arguments.
func begin() (*C.vigil_client, *arena, inCall) {
	h := acquire()
	if h == nil {
		return nil, nil, inCall{}
	}
	a := getArena()
	return h.c, a, inCall{h, a}
}

// ErrNotStarted is returned by calls made before Start.
var ErrNotStarted = errors.New("vigil: not started")

// ErrAlreadyStarted is returned by a second Start: Stop first to change options.
var ErrAlreadyStarted = errors.New("vigil: already started (call Stop before starting again with other options)")

func init() {
	// A prebuilt library from another ABI version fails to link here rather than misbehave.
	C.vigil_abi_v1()
}

// Started reports whether a client is running.
func Started() bool { return current.Load() != nil }

// Start creates the process-wide client from options (layered over vigil.toml and VIGIL_*).
// A client started lazily (by a middleware's first request) is replaced, so the options
// given here always apply; after an explicit Start it returns ErrAlreadyStarted.
func Start(options map[string]string) error { return start(options, false) }

// StartLazily starts from the environment and vigil.toml when nothing runs yet.
func StartLazily() error { return start(nil, true) }

func start(options map[string]string, lazy bool) error {
	startOnce.Lock()
	defer startOnce.Unlock()
	old := current.Load()
	if old != nil && (lazy || !old.lazy) {
		return ErrAlreadyStarted
	}
	a := getArena()
	defer putArena(a)
	opts := map[string]string{"lang": "go", "sdk_name": "vigil-go"}
	for k, v := range options {
		opts[k] = v
	}
	ptr, n := a.pairs(opts)
	var c *C.vigil_client
	if err := a.status(C.vg_new(ptr, n, &c, a.errBuf, errCap)); err != nil {
		return err
	}
	current.Store(&handle{c: c, lazy: lazy})
	if old != nil {
		retire(old, 2*time.Second)
	}
	return nil
}

// Stop flushes within timeout, stops the worker and frees the client.
func Stop(timeout time.Duration) error {
	startOnce.Lock()
	defer startOnce.Unlock()
	h := current.Swap(nil)
	if h == nil {
		return ErrNotStarted
	}
	return retire(h, timeout)
}

// retire shuts down a client no longer current and frees it once no call can touch it.
func retire(h *handle, timeout time.Duration) error {
	a := getArena()
	defer putArena(a)
	err := a.status(C.vg_flush(h.c, millis(timeout), 1, a.errBuf, errCap))
	// Calls that loaded the handle before the swap may still be inside C: wait them out.
	for h.refs.Load() > 0 {
		time.Sleep(time.Millisecond)
	}
	C.vigil_client_free(h.c)
	return err
}

// Flush waits up to timeout for everything recorded so far to be delivered.
func Flush(timeout time.Duration) error {
	c, a, call := begin()
	if c == nil {
		return ErrNotStarted
	}
	defer call.done()
	return a.status(C.vg_flush(c, millis(timeout), 0, a.errBuf, errCap))
}

func millis(d time.Duration) C.uint32_t {
	ms := d.Milliseconds()
	if ms < 0 {
		ms = 0
	}
	if ms > 1<<31 {
		ms = 1 << 31
	}
	return C.uint32_t(ms)
}

// Stats returns the client's counters.
func Stats() (map[string]any, error) {
	h := acquire()
	if h == nil {
		return nil, ErrNotStarted
	}
	defer h.release()
	c := h.c
	var out *C.char
	if s := C.vigil_stats_json(c, &out); s != C.VIGIL_OK {
		return nil, &Error{Status: int32(s), Code: statusName(int32(s)), Message: "stats unavailable"}
	}
	defer C.vigil_string_free(out)
	var m map[string]any
	err := json.Unmarshal([]byte(C.GoString(out)), &m)
	return m, err
}

// TrackSignup records a signup.
func TrackSignup(ids map[string]string, req *Request) error {
	c, a, call := begin()
	if c == nil {
		return ErrNotStarted
	}
	defer call.done()
	p, n := a.pairs(ids)
	return a.status(C.vg_signup(c, p, n, a.request(req), a.device(req), a.errBuf, errCap))
}

// TrackAuth records a login attempt; exists is -1 (unknown), 0 or 1.
func TrackAuth(success bool, ids map[string]string, exists int32, req *Request) error {
	c, a, call := begin()
	if c == nil {
		return ErrNotStarted
	}
	defer call.done()
	p, n := a.pairs(ids)
	return a.status(C.vg_auth(c, C.bool(success), p, n, C.int32_t(exists), a.request(req), a.device(req), a.errBuf, errCap))
}

// TrackEvent records a custom event; ids and props may be nil, a zero ts means now.
func TrackEvent(name string, ids, props map[string]string, ts time.Time, req *Request) error {
	c, a, call := begin()
	if c == nil {
		return ErrNotStarted
	}
	defer call.done()
	var p *C.vigil_pair
	var n C.size_t
	if ids != nil {
		p, n = a.pairs(ids)
	}
	pp, np := a.properties(props)
	var tsMs int64
	if !ts.IsZero() {
		tsMs = ts.UnixMilli()
	}
	return a.status(C.vg_event(c, a.name(name), p, n, pp, np, C.int64_t(tsMs), a.request(req), a.device(req), a.errBuf, errCap))
}

// Alias carries a user's risk and history over to new identifiers.
func Alias(oldIDs, newIDs map[string]string, req *Request) error {
	c, a, call := begin()
	if c == nil {
		return ErrNotStarted
	}
	defer call.done()
	po, no := a.pairs(oldIDs)
	pn, nn := a.pairs(newIDs)
	return a.status(C.vg_alias(c, po, no, pn, nn, a.request(req), a.device(req), a.errBuf, errCap))
}

// Identify associates the user with the request and returns the decision blocking the user or
// the request's IP, if any.
func Identify(ids map[string]string, req *Request) (*Decision, error) {
	c, a, call := begin()
	if c == nil {
		return nil, ErrNotStarted
	}
	defer call.done()
	p, n := a.pairs(ids)
	s := C.vg_identify(c, p, n, a.request(req), a.device(req), a.decision, a.errBuf, errCap)
	return a.outcome(s)
}

// UserKey computes the 16-byte user key of identifiers.
func UserKey(ids map[string]string) ([16]byte, error) {
	var key [16]byte
	c, a, call := begin()
	if c == nil {
		return key, ErrNotStarted
	}
	defer call.done()
	p, n := a.pairs(ids)
	out := (*C.uint8_t)(a.alloc(16, 1))
	if err := a.status(C.vg_user_key(c, p, n, out, a.errBuf, errCap)); err != nil {
		return key, err
	}
	copy(key[:], unsafe.Slice((*byte)(unsafe.Pointer(out)), 16))
	return key, nil
}

// Check returns the decision blocking a request by user key (nil: nobody identified, the IP's
// last user stands in; a user block exempting device does not count) or by IP.
func Check(key *[16]byte, ip, device string) (*Decision, error) {
	c, a, call := begin()
	if c == nil {
		return nil, ErrNotStarted
	}
	defer call.done()
	var k *C.uint8_t
	if key != nil {
		k = (*C.uint8_t)(a.alloc(16, 1))
		copy(unsafe.Slice((*byte)(unsafe.Pointer(k)), 16), key[:])
	}
	return a.outcome(C.vg_check(c, k, a.str(ip), a.str(device), a.decision, a.errBuf, errCap))
}

// CheckIP returns the decision blocking an IP (or a network containing it), if any.
func CheckIP(ip string) (*Decision, error) {
	c, a, call := begin()
	if c == nil {
		return nil, ErrNotStarted
	}
	defer call.done()
	return a.outcome(C.vg_check_ip(c, a.str(ip), a.decision, a.errBuf, errCap))
}

// Identity is a normalized identity.
type Identity struct {
	IDs     map[string]string `json:"ids"`
	Primary string            `json:"primary"`
	Key     string            `json:"key"`
}

// Normalize applies the identity rules (under the client's PII settings when started).
func Normalize(ids map[string]string) (Identity, error) {
	var out Identity
	body, err := json.Marshal(ids)
	if err != nil {
		return out, err
	}
	a := getArena()
	defer putArena(a)
	in := a.cstr(string(body))
	var c *C.vigil_client
	if h := acquire(); h != nil {
		defer h.release()
		c = h.c
	}
	var res *C.char
	if err := a.status(C.vg_normalize(c, in, &res, a.errBuf, errCap)); err != nil {
		return out, err
	}
	defer C.vigil_string_free(res)
	err = json.Unmarshal([]byte(C.GoString(res)), &out)
	return out, err
}

// Version is the library's version.
func Version() string { return C.GoString(C.vigil_version()) }
