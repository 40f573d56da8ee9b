// Package middleware holds the options every Vigil middleware (vigilhttp, vigilgin,
// vigilecho) takes: which proxies to trust for the client IP, and the block response.
package middleware

import (
	"net/http"
	"net/netip"
)

// Config is the resolved configuration; build it with Options.
type Config struct {
	// TrustedProxies are the networks whose forwarding header is believed.
	TrustedProxies []netip.Prefix
	// ClientIPHeader is read when the peer is a trusted proxy (default X-Forwarded-For).
	ClientIPHeader string
	// BlockStatus is the status of a block response (default 403).
	BlockStatus int
	// BlockBody replaces the default body; BlockContentType is then its content type.
	BlockBody        []byte
	BlockContentType string
	// RedirectURL, when set, answers blocks with a 303 redirect there instead.
	RedirectURL string
}

// Option sets one part of Config.
type Option func(*Config)

// Build resolves options over the defaults: loopback proxies trusted, X-Forwarded-For, 403.
func Build(opts ...Option) Config {
	c := Config{
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")},
		ClientIPHeader: "X-Forwarded-For",
		BlockStatus:    http.StatusForbidden,
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithTrustedProxies replaces the trusted proxy networks (CIDRs or single addresses).
// Invalid entries panic at start-up, where a typo is cheapest to find.
func WithTrustedProxies(networks ...string) Option {
	return func(c *Config) {
		c.TrustedProxies = c.TrustedProxies[:0]
		for _, n := range networks {
			p, err := netip.ParsePrefix(n)
			if err != nil {
				a, aerr := netip.ParseAddr(n)
				if aerr != nil {
					panic("vigil: invalid trusted proxy " + n)
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
}

// WithClientIPHeader sets the header trusted proxies put the client IP in (e.g. X-Real-IP).
func WithClientIPHeader(name string) Option { return func(c *Config) { c.ClientIPHeader = name } }

// WithBlockStatus sets the status code of block responses.
func WithBlockStatus(status int) Option { return func(c *Config) { c.BlockStatus = status } }

// WithBlockBody sets the body (and its content type) of block responses.
func WithBlockBody(contentType string, body []byte) Option {
	return func(c *Config) { c.BlockContentType, c.BlockBody = contentType, body }
}

// WithRedirect answers blocked requests with a redirect to url.
func WithRedirect(url string) Option { return func(c *Config) { c.RedirectURL = url } }
