// Package testutil starts Vigil for the Go tests: local mode (no server), a short flush
// interval, and the opt-in playbook that blocks taken-over users, so blocks happen for real.
package testutil

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vigil-ato/vigil/go/internal/native"
)

const config = `
[[engine.playbooks]]
name = "block-takeover-users"
trigger = { type = "signal", name = "likely_takeover" }
actions = [{ type = "block_user", duration = "1h" }]
cooldown = "1h"
`

var configPath = sync.OnceValue(func() string {
	dir, err := os.MkdirTemp("", "vigil-go-test")
	if err != nil {
		panic(err)
	}
	path := filepath.Join(dir, "vigil.toml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		panic(err)
	}
	return path
})

// Start (re)starts the process-wide client in local mode, with extra options.
func Start(extra map[string]string) {
	_ = native.Stop(time.Second)
	opts := map[string]string{"config_file": configPath(), "flush_interval_ms": "20"}
	for k, v := range extra {
		opts[k] = v
	}
	if err := native.Start(opts); err != nil {
		panic(err)
	}
}

// Main runs a package's tests with the client started: call it from TestMain.
func Main(m *testing.M) {
	Start(nil)
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Stop stops the client.
func Stop() { _ = native.Stop(2 * time.Second) }

// Flush waits until the local engine has seen everything recorded so far.
func Flush() {
	if err := native.Flush(5 * time.Second); err != nil {
		panic(err)
	}
}
