package mwcore

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/vigil-ato/vigil/go/middleware"
)

// ClientIP is the peer address, unless the peer is a trusted proxy: then the forwarding
// header is walked from the right, skipping trusted proxies, and the first other address is
// the client. An attacker can prepend anything to the header; only the right end is trustworthy.
func ClientIP(r *http.Request, cfg *middleware.Config) string {
	peer := parseAddr(r.RemoteAddr)
	if !peer.IsValid() {
		return ""
	}
	if !trusted(peer, cfg) {
		return peer.String()
	}
	values := r.Header.Values(cfg.ClientIPHeader)
	for i := len(values) - 1; i >= 0; i-- {
		hops := strings.Split(values[i], ",")
		for j := len(hops) - 1; j >= 0; j-- {
			hop := parseAddr(strings.TrimSpace(hops[j]))
			if !hop.IsValid() {
				return peer.String()
			}
			if !trusted(hop, cfg) {
				return hop.String()
			}
		}
	}
	return peer.String()
}

func trusted(a netip.Addr, cfg *middleware.Config) bool {
	for _, p := range cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func parseAddr(s string) netip.Addr {
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}
