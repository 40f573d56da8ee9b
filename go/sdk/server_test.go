package sdk_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-ato/vigil/go/internal/native"
	"github.com/vigil-ato/vigil/go/internal/testutil"
	"github.com/vigil-ato/vigil/go/middleware/vigilhttp"
	"github.com/vigil-ato/vigil/go/sdk"
)

const adminToken = "vigil-test-admin-token-0123456789abcdef"

// realServer starts a real vigil-server on 127.0.0.1 (the test command builds it and sets
// VIGIL_SERVER_BIN) on a fresh SQLite file, with one app, and returns its URL, the app's
// token and id. It is killed when the test ends.
func realServer(t *testing.T) (url, token string, app int) {
	t.Helper()
	bin := os.Getenv("VIGIL_SERVER_BIN")
	if bin == "" {
		t.Skip("VIGIL_SERVER_BIN is not set")
	}
	db := "sqlite://" + filepath.Join(t.TempDir(), "vigil.db")
	out, err := exec.Command(bin, "app", "create", "go-sdk", "--db", db).Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	token = lines[len(lines)-1]
	if m := regexp.MustCompile(`id (\d+)`).FindStringSubmatch(lines[0]); m != nil {
		fmt.Sscan(m[1], &app)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	srv := exec.Command(bin, "serve", "--listen", addr, "--db", db)
	srv.Env = append(os.Environ(), "VIGIL_ADMIN_TOKEN="+adminToken)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
	url = "http://" + addr
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(url + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("server did not start")
		}
	}
	return url, token, app
}

// TestBanOnRealServer: a ban made on a real server makes Identify fail within 2 s.
func TestBanOnRealServer(t *testing.T) {
	url, token, app := realServer(t)

	_ = native.Stop(time.Second)
	if err := native.Start(map[string]string{"url": url, "token": token, "flush_interval_ms": "50"}); err != nil {
		t.Fatal(err)
	}
	defer testutil.Start(nil)

	ctx, _ := requestContext("192.0.2.200")
	user := sdk.FromContext(ctx).ForUser(sdk.EventUserIdentifiersMap{"username": "mallory"})
	user.TrackAuthSuccess()
	if err := native.Flush(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := user.Identify(); err != nil {
		t.Fatalf("blocked before any ban: %v", err)
	}
	time.Sleep(300 * time.Millisecond) // let the SDK's long poll settle into its wait

	body, _ := json.Marshal(map[string]any{"app": app, "scope": "user", "ids": map[string]string{"username": "mallory"}, "reason": "manual"})
	req, _ := http.NewRequest("POST", url+"/api/decisions", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode >= 300 {
		t.Fatalf("ban: %v %v", resp, err)
	}
	resp.Body.Close()
	start := time.Now()
	for {
		err := user.Identify()
		var blocked *sdk.BlockedError
		if errors.As(err, &blocked) {
			if blocked.Decision.Reason != "manual" || blocked.Decision.Scope != "user" {
				t.Fatalf("decision %+v", blocked.Decision)
			}
			break
		}
		if time.Since(start) > 2*time.Second {
			t.Fatal("the ban did not reach the SDK within 2 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("ban reached Identify in %v", time.Since(start))
}

// TestDeviceReachesRealServer: requests through vigilhttp on a real server. Every event of a
// browser's requests (signup, custom, logins, identify.seen and each challenge result) is
// stored with that browser's device from its cookie; another browser's with its own.
func TestDeviceReachesRealServer(t *testing.T) {
	url, token, app := realServer(t)
	_ = native.Stop(time.Second)
	if err := native.Start(map[string]string{"url": url, "token": token, "flush_interval_ms": "50"}); err != nil {
		t.Fatal(err)
	}
	defer testutil.Start(nil)

	user := func(r *http.Request) sdk.UserContext {
		return sdk.FromContext(r.Context()).ForUser(sdk.EventUserIdentifiersMap{"email": r.URL.Query().Get("user")})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /signup", func(w http.ResponseWriter, r *http.Request) {
		user(r).TrackSignup().TrackEvent("signup.bonus").WithProperties(sdk.EventPropertyMap{"plan": "free"})
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		user(r).TrackAuth(r.URL.Query().Get("ok") == "1")
	})
	mux.HandleFunc("GET /account", func(w http.ResponseWriter, r *http.Request) { _ = user(r).Identify() })
	mux.HandleFunc("POST /mfa", func(w http.ResponseWriter, r *http.Request) {
		if err := user(r).TrackChallenge(sdk.ChallengeResult(r.URL.Query().Get("result"))).Err(); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	srv := httptest.NewServer(vigilhttp.Middleware(mux))
	defer srv.Close()
	send := func(method, path, cookie string) string {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		req.Header.Set("X-Forwarded-For", "192.0.2.80")
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
		}
		cookie, _, _ = strings.Cut(resp.Header.Get("Set-Cookie"), ";")
		return cookie
	}
	// The first response sets the cookie; its id is the device of that very request.
	cookie := send("POST", "/signup?user=erin@example.com", "")
	m := regexp.MustCompile(`^vigil_device=v1\.([0-9a-f]{32})\.`).FindStringSubmatch(cookie)
	if m == nil {
		t.Fatalf("no device cookie: %q", cookie)
	}
	device := m[1]
	for _, path := range []string{"POST /login?ok=0&user=erin@example.com", "POST /login?ok=1&user=erin@example.com",
		"GET /account?user=erin@example.com", "POST /mfa?result=requested&user=erin@example.com",
		"POST /mfa?result=failed&user=erin@example.com", "POST /mfa?result=succeeded&user=erin@example.com"} {
		method, rest, _ := strings.Cut(path, " ")
		if again := send(method, rest, cookie); again != "" {
			t.Fatalf("%s set the cookie again: %q", path, again)
		}
	}
	other := send("POST", "/mfa?result=requested&user=frank@example.com", "")
	if other == "" || strings.Contains(other, device) {
		t.Fatalf("another browser got cookie %q", other)
	}
	if err := native.Flush(5 * time.Second); err != nil {
		t.Fatal(err)
	}

	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/events?app=%d&limit=100", url, app), nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("events: %v %v", resp, err)
	}
	defer resp.Body.Close()
	var rows []struct {
		Type  string `json:"type"`
		Event struct {
			Result  string                          `json:"result"`
			User    struct{ IDs map[string]string } `json:"user"`
			Request map[string]string               `json:"request"`
		} `json:"event"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&rows); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, r := range rows {
		email := r.Event.User.IDs["email"]
		want := device
		if email == "frank@example.com" {
			want = ""
		}
		if r.Event.Request["ip"] != "192.0.2.80" || (want != "" && r.Event.Request["device"] != want) ||
			(want == "" && (len(r.Event.Request["device"]) != 32 || r.Event.Request["device"] == device)) {
			t.Errorf("%s of %s stored with request %v, want device %q", r.Type, email, r.Event.Request, want)
		}
		key := r.Type
		if r.Type == "challenge" {
			key += ":" + r.Event.Result + ":" + email
		}
		got[key]++
	}
	for _, k := range []string{"signup", "custom", "auth.failure", "auth.success", "identify.seen", "challenge:requested:erin@example.com",
		"challenge:failed:erin@example.com", "challenge:succeeded:erin@example.com", "challenge:requested:frank@example.com"} {
		if got[k] != 1 {
			t.Errorf("%d %s events stored, want 1 (all: %v)", got[k], k, got)
		}
	}
	if len(rows) != 9 {
		t.Errorf("%d events stored, want 9: %v", len(rows), got)
	}
}
