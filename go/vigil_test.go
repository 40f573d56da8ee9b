package vigil_test

import (
	"errors"
	"testing"
	"time"

	vigil "github.com/vigil-ato/vigil/go"
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
