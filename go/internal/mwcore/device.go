package mwcore

import (
	"net/http"
	"strings"

	"github.com/vigil-ato/vigil/go/middleware"
)

// Device is the request's device by the core's rules (the signed device cookie, read once per
// request); when the core hands out a fresh one, its Set-Cookie is added to w's headers, so it
// goes with whatever response follows, the block response included. "" when the device cookie
// is disabled (device_cookie = "").
func Device(w http.ResponseWriter, r *http.Request, cfg *middleware.Config) string {
	e := cfg.Policy()
	if e == nil {
		return ""
	}
	var header string
	switch cookies := r.Header.Values("Cookie"); len(cookies) {
	case 0:
	case 1:
		header = cookies[0]
	default:
		// HTTP/2 may split cookies over several fields; RFC 9113 joins them with "; ".
		header = strings.Join(cookies, "; ")
	}
	device, setCookie := e.Device(header)
	if setCookie != "" {
		w.Header().Add("Set-Cookie", setCookie)
	}
	return device
}
