package mwcore

import (
	"net/http/httptest"
	"testing"

	"github.com/vigil-ato/vigil/go/middleware"
)

func TestClientIP(t *testing.T) {
	def := middleware.Build()
	lb := middleware.Build(middleware.WithTrustedProxies("10.0.0.0/8", "192.0.2.1"))
	hdr := middleware.Build(middleware.WithClientIPHeader("X-Real-IP"))
	cases := []struct {
		name, remote, xff string
		cfg               *middleware.Config
		want              string
	}{
		{"direct client", "198.51.100.7:5000", "", &def, "198.51.100.7"},
		{"untrusted peer's header is ignored", "198.51.100.7:5000", "1.2.3.4", &def, "198.51.100.7"},
		{"loopback proxy is trusted by default", "127.0.0.1:5000", "203.0.113.5", &def, "203.0.113.5"},
		{"spoofed left entries are skipped", "127.0.0.1:5000", "6.6.6.6, 203.0.113.5", &def, "203.0.113.5"},
		{"chain of trusted proxies", "10.1.1.1:80", "203.0.113.5, 192.0.2.1, 10.2.2.2", &lb, "203.0.113.5"},
		{"garbage header falls back to the peer", "10.1.1.1:80", "not-an-ip", &lb, "10.1.1.1"},
		{"ipv6 peer", "[2001:db8::1]:443", "", &def, "2001:db8::1"},
		{"ipv4-mapped peer", "[::ffff:198.51.100.7]:1", "", &def, "198.51.100.7"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := ClientIP(r, c.cfg); got != c.want {
			t.Errorf("%s: got %q want %q", c.name, got, c.want)
		}
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "127.0.0.1:1"
	r.Header.Set("X-Real-IP", "203.0.113.9")
	if got := ClientIP(r, &hdr); got != "203.0.113.9" {
		t.Errorf("custom header: got %q", got)
	}
}
