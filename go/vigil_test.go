package vigil_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	vigil "github.com/vigil-ato/vigil/go"
	"github.com/vigil-ato/vigil/go/middleware/vigilhttp"
	"github.com/vigil-ato/vigil/go/sdk"
)

func TestStartStopStats(t *testing.T) {
	if _, err := vigil.Stats(); !errors.Is(err, vigil.ErrNotStarted) {
		t.Fatalf("stats before start: %v", err)
	}
	if err := vigil.Start(vigil.Options{Extra: map[string]string{"no_such_option": "1"}}); err == nil {
		t.Fatal("an unknown option was accepted")
	}
	if err := vigil.Start(vigil.Options{URL: "http://127.0.0.1:9"}); err == nil {
		t.Fatal("a URL without a token was accepted")
	}
	if err := vigil.Start(vigil.Options{Extra: map[string]string{"flush_interval_ms": "50"}}); err != nil {
		t.Fatal(err)
	}
	if err := vigil.Start(vigil.Options{}); !errors.Is(err, vigil.ErrAlreadyStarted) {
		t.Fatalf("second start: %v", err)
	}
	s, err := vigil.Stats()
	if err != nil || s["dropped"].(float64) != 0 {
		t.Fatalf("%v %v", s, err)
	}
	if err := vigil.Flush(time.Second); err != nil {
		t.Fatal(err)
	}
	if vigil.Version() == "" {
		t.Fatal("no version")
	}
	if err := vigil.Stop(time.Second); err != nil {
		t.Fatal(err)
	}
	if err := vigil.Stop(time.Second); !errors.Is(err, vigil.ErrNotStarted) {
		t.Fatalf("second stop: %v", err)
	}
}

// One lifecycle: a client a middleware started lazily gives way to an explicit Start, whose
// options apply; only a second explicit Start is refused.
func TestStartAfterLazyStart(t *testing.T) {
	srv := httptest.NewServer(vigilhttp.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sdk.FromContext(r.Context()).ForUser(sdk.EventUserIdentifiersMap{"email": "a@example.com"}).TrackSignup()
	})))
	defer srv.Close()
	get := func() {
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	get()
	if !vigil.Started() {
		t.Fatal("the middleware did not start Vigil lazily")
	}
	opts := vigil.Options{URL: "http://127.0.0.1:9", Token: "t", Extra: map[string]string{"decisions_wait_s": "0"}}
	if err := vigil.Start(opts); err != nil {
		t.Fatalf("start after a lazy start: %v", err)
	}
	if err := vigil.Start(opts); !errors.Is(err, vigil.ErrAlreadyStarted) {
		t.Fatalf("second explicit start: %v", err)
	}
	get()
	if err := vigil.Stop(100 * time.Millisecond); err == nil {
		t.Fatal("events could not reach 127.0.0.1:9, yet the flush reported success: still local mode?")
	}
}
