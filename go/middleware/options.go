// Package middleware holds the options every Vigil middleware (vigilhttp, vigilgin,
// vigilecho) takes: a middleware's own edge settings (which proxies to trust for the client
// IP, the device cookie, the block response), applied over the client's (vigil.toml, VIGIL_*,
// vigil.Start).
// The rules themselves are the core's, the same in every Vigil SDK (docs/configuration.md).
package middleware

import (
	"strconv"
	"strings"
	"sync"

	"github.com/vigil-ato/vigil/go/internal/native"
)

// Config is the resolved configuration; build it with Options.
type Config struct {
	// Edge is the middleware's own edge options by their core names (trusted_proxies,
	// client_ip_header, device_cookie, device_cookie_secure, block_status, block_redirect,
	// block_body, block_content_type...).
	Edge map[string]string
	cell *edgeCell
}

type edgeCell struct {
	once sync.Once
	edge *native.Edge
}

// Policy is the edge policy this middleware uses: its options over the running client's
// settings, resolved on the first request (Vigil is started by then). Nil only when Vigil
// could not build it, and then the middleware does nothing.
func (c *Config) Policy() *native.Edge {
	if c.cell == nil {
		c.cell = &edgeCell{}
	}
	c.cell.once.Do(func() { c.cell.edge, _ = native.NewEdge(c.Edge) })
	return c.cell.edge
}

// Option sets one part of Config.
type Option func(*Config)

// Build resolves options. A bad option panics here, at start-up, where a typo is cheapest
// to find (and not on a request).
func Build(opts ...Option) Config {
	c := Config{Edge: map[string]string{}, cell: &edgeCell{}}
	for _, o := range opts {
		o(&c)
	}
	if _, err := native.NewEdge(c.Edge); err != nil {
		panic("vigil: " + err.Error())
	}
	return c
}

// WithTrustedProxies replaces the trusted proxy networks: CIDRs, single addresses, or the
// names loopback, private, link_local (none at all: no argument).
func WithTrustedProxies(networks ...string) Option {
	return func(c *Config) {
		value := strings.Join(networks, ",")
		if value == "" {
			value = "none"
		}
		c.Edge["trusted_proxies"] = value
	}
}

// WithClientIPHeader sets the header trusted proxies put the client IP in: X-Forwarded-For
// (the default), Forwarded, or a single-address header such as X-Real-IP.
func WithClientIPHeader(name string) Option {
	return func(c *Config) { c.Edge["client_ip_header"] = name }
}

// WithBlockStatus sets the status code of block responses (403 by default).
func WithBlockStatus(status int) Option {
	return func(c *Config) { c.Edge["block_status"] = strconv.Itoa(status) }
}

// WithBlockBody sets one body (and its content type) for every block response.
func WithBlockBody(contentType string, body []byte) Option {
	return func(c *Config) {
		c.Edge["block_content_type"], c.Edge["block_body"] = contentType, string(body)
	}
}

// WithRedirect answers blocked requests with a 303 redirect to url (a decision's own target
// comes first).
func WithRedirect(url string) Option { return func(c *Config) { c.Edge["block_redirect"] = url } }

// WithDeviceCookie names the signed device cookie (vigil_device by default); "" disables it:
// requests then carry no device, and no cookie is set.
func WithDeviceCookie(name string) Option {
	return func(c *Config) { c.Edge["device_cookie"] = name }
}

// WithSecureDeviceCookie adds Secure to the device cookie: set it when the site is served over
// HTTPS (a __Host- or __Secure- cookie name requires it).
func WithSecureDeviceCookie() Option {
	return func(c *Config) { c.Edge["device_cookie_secure"] = "true" }
}
