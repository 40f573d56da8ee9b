// Package mwcore is what every Vigil middleware does, whatever the framework.
package mwcore

import (
	"log"
	"net/http"
	"sync"

	"github.com/vigil-ato/vigil/go/internal/native"
	"github.com/vigil-ato/vigil/go/internal/reqctx"
	"github.com/vigil-ato/vigil/go/middleware"
)

var lazyStart sync.Once

// ensureStarted starts Vigil from the environment and vigil.toml when the app did not call
// vigil.Start, as Sqreen's agent did; a bad configuration is logged and Vigil stays off.
func ensureStarted() bool {
	if native.Started() {
		return true
	}
	lazyStart.Do(func() {
		if err := native.StartLazily(); err != nil && err != native.ErrAlreadyStarted {
			log.Printf("vigil: not started: %v", err)
		}
	})
	return native.Started()
}

// Begin prepares a request: nil when Vigil is off (the SDK then does nothing), and ok=false
// when the client IP is blocked (the block response is already written). The request's device
// (the device cookie, whose Set-Cookie Begin adds to w when the device is new) goes in the
// record, so every call made for the request carries it.
func Begin(w http.ResponseWriter, r *http.Request, cfg *middleware.Config) (rec *reqctx.Record, ok bool) {
	if !ensureStarted() {
		return nil, true
	}
	ip := ClientIP(r, cfg)
	device := Device(w, r, cfg)
	if ip != "" {
		if d, _ := native.CheckIP(ip); d != nil {
			WriteBlock(w, r, d, cfg)
			return nil, false
		}
	}
	rec = &reqctx.Record{Request: native.Request{IP: ip, UserAgent: r.UserAgent(), Method: r.Method, Path: r.URL.Path, Device: device}}
	rec.Block = func(d *native.Decision) { WriteBlock(w, r, d, cfg) }
	return rec, true
}
