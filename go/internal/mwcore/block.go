package mwcore

import (
	"net/http"

	"github.com/vigil-ato/vigil/go/internal/native"
	"github.com/vigil-ato/vigil/go/middleware"
)

// WriteBlock writes the block response the core renders for d and the request's Accept.
func WriteBlock(w http.ResponseWriter, r *http.Request, d *native.Decision, cfg *middleware.Config) {
	e := cfg.Policy()
	if e == nil {
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusForbidden)
		return
	}
	resp := e.RenderBlock(d, r.Header.Get("Accept"))
	h := w.Header()
	for _, kv := range resp.Headers {
		h.Set(kv[0], kv[1])
	}
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
}
