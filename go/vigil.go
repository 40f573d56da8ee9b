// Package vigil starts and stops Vigil in a Go program. The SDK itself is package sdk, and
// the middlewares are under middleware/.
//
//	if err := vigil.Start(vigil.Options{URL: "http://127.0.0.1:8470", Token: token}); err != nil {
//		log.Fatal(err)
//	}
//	defer vigil.Stop(2 * time.Second)
package vigil

import (
	"time"

	"github.com/vigil-ato/vigil/go/internal/native"
)

// Options configure Vigil; the environment (VIGIL_URL, VIGIL_TOKEN, ...) and vigil.toml fill
// what is left unset. Without a URL Vigil runs in local mode: the engine runs in-process.
type Options struct {
	URL   string
	Token string
	// Extra holds any other option of docs/configuration.md, e.g. "pii": "hash".
	Extra map[string]string
}

// Start starts Vigil for this process.
func Start(o Options) error {
	opts := make(map[string]string, len(o.Extra)+2)
	for k, v := range o.Extra {
		opts[k] = v
	}
	if o.URL != "" {
		opts["url"] = o.URL
	}
	if o.Token != "" {
		opts["token"] = o.Token
	}
	return native.Start(opts)
}

// Stop delivers what is queued (within timeout) and stops Vigil.
func Stop(timeout time.Duration) error { return native.Stop(timeout) }

// Flush waits up to timeout until everything recorded so far is delivered.
func Flush(timeout time.Duration) error { return native.Flush(timeout) }

// Stats returns Vigil's counters (queued, sent, dropped, retried, decisions, ...).
func Stats() (map[string]any, error) { return native.Stats() }

// Version is the version of the Vigil library linked in.
func Version() string { return native.Version() }

// ErrNotStarted is returned by calls made before Start.
var ErrNotStarted = native.ErrNotStarted

// ErrAlreadyStarted is returned by a second Start.
var ErrAlreadyStarted = native.ErrAlreadyStarted

// Started reports whether Vigil runs in this process (started by Start or lazily).
func Started() bool { return native.Started() }
