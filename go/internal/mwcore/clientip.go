package mwcore

import (
	"net/http"

	"github.com/vigil-ato/vigil/go/middleware"
)

// ClientIP is the request's client IP by the core's rules: the peer address, unless it is a
// trusted proxy, and then the configured header walked from its right end. "" when unknown.
func ClientIP(r *http.Request, cfg *middleware.Config) string {
	e := cfg.Policy()
	if e == nil {
		return ""
	}
	return e.ClientIP(r.RemoteAddr, r.Header.Values(e.Header()))
}
