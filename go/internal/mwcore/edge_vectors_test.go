package mwcore

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/vigil-ato/vigil/go/internal/native"
	"github.com/vigil-ato/vigil/go/middleware"
)

// The shared edge vectors (tests/vectors/client_ip.json, block_response.json) through the
// net/http adapter: requests as net/http parses them, responses into a recorder.

type ipCase struct {
	Name     string            `json:"name"`
	Settings map[string]string `json:"settings"`
	Peer     *string           `json:"peer"`
	Headers  [][2]string       `json:"headers"`
	Want     *string           `json:"want"`
}

type blockCase struct {
	Name     string            `json:"name"`
	Settings map[string]string `json:"settings"`
	Decision struct {
		ID          string  `json:"id"`
		Reason      string  `json:"reason"`
		RedirectURL *string `json:"redirect_url"`
	} `json:"decision"`
	Accept *string `json:"accept"`
	Want   struct {
		Status  int         `json:"status"`
		Headers [][2]string `json:"headers"`
		Body    string      `json:"body"`
	} `json:"want"`
}

// load returns the cases of one vector file, failing the test unless there are `least` or more.
func load[T any](t *testing.T, name string, least int) []T {
	t.Helper()
	raw, err := os.ReadFile("../../../tests/vectors/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases json.RawMessage `json:"cases"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var out []T
	if err := json.Unmarshal(doc.Cases, &out); err != nil {
		t.Fatal(err)
	}
	if len(out) < least {
		t.Fatalf("%s: only %d cases", name, len(out))
	}
	return out
}

func configOf(settings map[string]string) *middleware.Config {
	cfg := middleware.Build(func(c *middleware.Config) {
		for k, v := range settings {
			c.Edge[k] = v
		}
	})
	return &cfg
}

func TestClientIPVectors(t *testing.T) {
	for _, c := range load[ipCase](t, "client_ip.json", 60) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = ""
		if c.Peer != nil {
			r.RemoteAddr = *c.Peer
		}
		for _, h := range c.Headers {
			r.Header.Add(h[0], h[1])
		}
		want := ""
		if c.Want != nil {
			want = *c.Want
		}
		if got := ClientIP(r, configOf(c.Settings)); got != want {
			t.Errorf("%s: got %q want %q", c.Name, got, want)
		}
	}
}

func TestBlockResponseVectors(t *testing.T) {
	for _, c := range load[blockCase](t, "block_response.json", 25) {
		r := httptest.NewRequest("POST", "/login", nil)
		if c.Accept != nil {
			r.Header.Set("Accept", *c.Accept)
		}
		d := &native.Decision{ID: c.Decision.ID, Reason: c.Decision.Reason, Action: "block"}
		if c.Decision.RedirectURL != nil {
			d.Action, d.RedirectURL = "redirect", *c.Decision.RedirectURL
		}
		w := httptest.NewRecorder()
		WriteBlock(w, r, d, configOf(c.Settings))
		if w.Code != c.Want.Status || w.Body.String() != c.Want.Body {
			t.Errorf("%s: got %d %q, want %d %q", c.Name, w.Code, w.Body.String(), c.Want.Status, c.Want.Body)
		}
		if len(w.Header()) != len(c.Want.Headers) {
			t.Errorf("%s: headers %v, want %v", c.Name, w.Header(), c.Want.Headers)
		}
		for _, h := range c.Want.Headers {
			if got := w.Header().Values(h[0]); len(got) != 1 || got[0] != h[1] {
				t.Errorf("%s: %s is %v, want %q", c.Name, h[0], got, h[1])
			}
		}
	}
}

func TestBadOptionsPanicAtBuild(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "trusted_proxies") {
			t.Errorf("recovered %v", r)
		}
	}()
	middleware.Build(middleware.WithTrustedProxies("10.0.0.0/33"))
}
