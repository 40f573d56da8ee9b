package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-ato/vigil/go/internal/native"
	"github.com/vigil-ato/vigil/go/internal/reqctx"
	"github.com/vigil-ato/vigil/go/internal/testutil"
	"github.com/vigil-ato/vigil/go/middleware/vigilhttp"
	"github.com/vigil-ato/vigil/go/sdk"
)

const (
	laptop = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	rogue  = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

// deviceContext is what a middleware hands a handler for a request from ip on device.
func deviceContext(ip, device string) (context.Context, *reqctx.Record) {
	ctx, rec := requestContext(ip)
	rec.Request.Device = device
	return ctx, rec
}

func keyOf(t *testing.T, ids sdk.EventUserIdentifiersMap) string {
	t.Helper()
	id, err := sdk.Normalize(ids)
	if err != nil {
		t.Fatal(err)
	}
	return id.Key
}

// TestAssessOnLiveClient applies a decision feed to a running client and assesses requests
// through the SDK: deny (and the block response), challenge, allow once the challenge is
// passed, a lockout sparing the owner's known device, the request-level verdict.
func TestAssessOnLiveClient(t *testing.T) {
	testutil.Start(nil)
	defer testutil.Start(nil)
	alice := sdk.EventUserIdentifiersMap{"username": "alice"}
	bob := sdk.EventUserIdentifiersMap{"username": "bob"}
	carol := sdk.EventUserIdentifiersMap{"email": "Carol@Example.com"}
	feed := fmt.Sprintf(`{"cursor": 1, "reset": true, "upserts": [
		{"id": "d_alice", "scope": "user", "value": %q, "action": "block", "reason": "manual"},
		{"id": "c_bob", "scope": "user", "value": %q, "action": "challenge", "reason": "playbook:challenge-new-places"},
		{"id": "d_carol_lock", "scope": "user", "value": %q, "action": "block", "reason": "playbook:lock-attacked-accounts",
		 "expires_at": "2099-01-01T00:00:00Z", "except_devices": [%q]},
		{"id": "c_hosting", "scope": "cidr", "value": "198.51.100.0/24", "action": "challenge", "reason": "hosting"},
		{"id": "d_stuffing", "scope": "ip", "value": "203.0.113.99", "action": "block", "reason": "stuffing"}]}`,
		keyOf(t, alice), keyOf(t, bob), keyOf(t, carol), laptop)
	if skipped, err := native.ApplyDecisions(feed); err != nil || skipped != 0 {
		t.Fatalf("apply: %d %v", skipped, err)
	}

	// Deny: the verdict, its reason and reference, and the block response written.
	ctx, rec := deviceContext("192.0.2.10", rogue)
	var blockedWith *sdk.Decision
	rec.Block = func(d *sdk.Decision) { blockedWith = d }
	a, err := sdk.FromContext(ctx).ForUser(alice).Assess()
	if err != nil || a.Verdict != sdk.VerdictDeny || a.DecisionID != "d_alice" || len(a.Reasons) != 1 || a.Reasons[0] != "manual" {
		t.Fatalf("alice: %+v %v", a, err)
	}
	if a.Decision.Action != "block" || a.Decision.Scope != "user" || blockedWith != a.Decision {
		t.Fatalf("alice's decision %+v, block response written with %+v", a.Decision, blockedWith)
	}

	// Challenge: no block response; passing it ends the challenge.
	ctx, rec = deviceContext("192.0.2.11", laptop)
	rec.Block = func(d *sdk.Decision) { t.Errorf("a challenge wrote the block response (%+v)", d) }
	a, err = sdk.FromContext(ctx).ForUser(bob).Assess()
	if err != nil || a.Verdict != sdk.VerdictChallenge || a.DecisionID != "c_bob" || a.Reasons[0] != "playbook:challenge-new-places" || a.Decision.Action != "challenge" {
		t.Fatalf("bob: %+v %v", a, err)
	}
	if err := sdk.FromContext(ctx).ForUser(bob).TrackChallenge(sdk.ChallengeRequested).Err(); err != nil {
		t.Fatal(err)
	}
	if err := sdk.FromContext(ctx).ForUser(bob).TrackChallenge(sdk.ChallengeSucceeded).Err(); err != nil {
		t.Fatal(err)
	}
	testutil.Flush()
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		a, err = sdk.FromContext(ctx).ForUser(bob).Assess()
		if err == nil && a.Verdict == sdk.VerdictAllow {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bob still %+v %v after passing the challenge", a, err)
		}
	}
	if a.Reasons != nil || a.DecisionID != "" || a.Decision != nil {
		t.Fatalf("allow with reasons: %+v", a)
	}

	// The lockout spares carol's known laptop, on Assess and Identify alike.
	onLaptop, _ := deviceContext("192.0.2.12", laptop)
	if a, err := sdk.FromContext(onLaptop).ForUser(carol).Assess(); err != nil || a.Verdict != sdk.VerdictAllow {
		t.Fatalf("carol on her laptop: %+v %v", a, err)
	}
	if err := sdk.FromContext(onLaptop).ForUser(carol).Identify(); err != nil {
		t.Fatalf("carol identified on her laptop: %v", err)
	}
	for _, device := range []string{rogue, ""} {
		ctx, _ := deviceContext("192.0.2.12", device)
		a, err := sdk.FromContext(ctx).ForUser(carol).Assess()
		if err != nil || a.Verdict != sdk.VerdictDeny || a.DecisionID != "d_carol_lock" {
			t.Fatalf("carol on device %q: %+v %v", device, a, err)
		}
		var blocked *sdk.BlockedError
		if err := sdk.FromContext(ctx).ForUser(carol).Identify(); !errors.As(err, &blocked) || blocked.Decision.ID != "d_carol_lock" {
			t.Fatalf("carol identified on device %q: %v", device, err)
		}
	}
	// The exemption lifts the user's block, not the network's challenge, nor an IP block.
	hosted, _ := deviceContext("198.51.100.7", laptop)
	if a, _ := sdk.FromContext(hosted).ForUser(carol).Assess(); a.Verdict != sdk.VerdictChallenge || a.DecisionID != "c_hosting" || a.Decision.Scope != "cidr" {
		t.Fatalf("carol on her laptop from a hosting network: %+v", a)
	}
	stuffing, _ := deviceContext("203.0.113.99", laptop)
	if a, _ := sdk.FromContext(stuffing).ForUser(carol).Assess(); a.Verdict != sdk.VerdictDeny || a.DecisionID != "d_stuffing" || a.Decision.Scope != "ip" {
		t.Fatalf("carol on her laptop from a blocked IP: %+v", a)
	}

	// Request level: the IP until the request is identified, then the identified user.
	if a := sdk.FromContext(hosted).Assess(); a.Verdict != sdk.VerdictChallenge || a.Reasons[0] != "hosting" {
		t.Fatalf("request from the hosting network: %+v", a)
	}
	ctx, rec = deviceContext("192.0.2.13", rogue)
	rec.Block = func(*sdk.Decision) {}
	if a := sdk.FromContext(ctx).Assess(); a.Verdict != sdk.VerdictAllow {
		t.Fatalf("anonymous request: %+v", a)
	}
	if err := sdk.FromContext(ctx).ForUser(alice).Identify(); !errors.Is(err, sdk.ErrBlocked) {
		t.Fatalf("alice identified: %v", err)
	}
	if a := sdk.FromContext(ctx).Assess(); a.Verdict != sdk.VerdictDeny || a.DecisionID != "d_alice" {
		t.Fatalf("request identified as alice: %+v", a)
	}
}

func TestAssessAndTrackChallengeErrors(t *testing.T) {
	var mu sync.Mutex
	var seen []error
	sdk.SetErrorHandler(func(err error) { mu.Lock(); seen = append(seen, err); mu.Unlock() })
	defer sdk.SetErrorHandler(nil)
	ctx, _ := deviceContext("192.0.2.60", laptop)
	for code, ids := range map[string]sdk.EventUserIdentifiersMap{"empty": {}, "duplicate_key": {"Email": "a@b.c", "email": "d@e.f"}} {
		a, err := sdk.FromContext(ctx).ForUser(ids).Assess()
		var verr *sdk.ValidationError
		if !errors.As(err, &verr) || verr.Code != code || a.Verdict != sdk.VerdictAllow {
			t.Errorf("%s: Assess gave %+v %v", code, a, err)
		}
		err = sdk.FromContext(ctx).ForUser(ids).TrackChallenge(sdk.ChallengeFailed).Err()
		if !errors.As(err, &verr) || verr.Code != code {
			t.Errorf("%s: TrackChallenge gave %v", code, err)
		}
	}
	err := sdk.FromContext(ctx).ForUser(sdk.EventUserIdentifiersMap{"uid": "1"}).TrackChallenge("maybe").Err()
	var verr *sdk.ValidationError
	if !errors.As(err, &verr) || verr.Code != "invalid_challenge_result" {
		t.Errorf("unknown result: %v", err)
	}
	mu.Lock()
	if len(seen) != 5 {
		t.Errorf("the error handler saw %v", seen)
	}
	mu.Unlock()

	// Outside a middleware's request: allow, and nothing recorded.
	before := stat(t, "enqueued")
	bg := sdk.FromContext(context.Background())
	if a, err := bg.ForUser(sdk.EventUserIdentifiersMap{"uid": "1"}).Assess(); err != nil || a.Verdict != sdk.VerdictAllow {
		t.Errorf("without middleware: %+v %v", a, err)
	}
	if a := bg.Assess(); a.Verdict != sdk.VerdictAllow {
		t.Errorf("without middleware: %+v", a)
	}
	if err := bg.ForUser(sdk.EventUserIdentifiersMap{"uid": "1"}).TrackChallenge(sdk.ChallengeSucceeded).Err(); err != nil {
		t.Errorf("without middleware: %v", err)
	}
	if stat(t, "enqueued") != before {
		t.Error("a call without middleware recorded an event")
	}
}

const lockoutConfig = `
[engine.brute_force]
failures = 5

[[engine.playbooks]]
name = "lock-attacked-accounts"
trigger = { type = "signal", names = ["brute_force"] }
actions = [{ type = "block_user", duration = "15m" }]
`

// TestLockoutSparesKnownDeviceThroughMiddleware: local mode, end to end through vigilhttp.
// The owner logs in on her browser (its device cookie reaches the engine with the login);
// a brute force from other browsers locks the account; her browser still gets in, any other
// (or one without the cookie) gets the block response.
func TestLockoutSparesKnownDeviceThroughMiddleware(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigil.toml")
	if err := os.WriteFile(path, []byte(lockoutConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	testutil.Start(map[string]string{"config_file": path})
	defer testutil.Start(nil)
	user := func(r *http.Request) sdk.UserContext {
		return sdk.FromContext(r.Context()).ForUser(sdk.EventUserIdentifiersMap{"email": r.URL.Query().Get("user")})
	}
	var mu sync.Mutex
	reasons := map[string]string{} // the reason behind each refusal, by the path refused
	refused := func(r *http.Request, d *sdk.Decision) {
		mu.Lock()
		reasons[r.URL.Path] = d.Reason
		mu.Unlock()
	}
	reason := func(path string) string {
		mu.Lock()
		defer mu.Unlock()
		r := reasons[path]
		delete(reasons, path)
		return r
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		user(r).WithAccountExists(true).TrackAuth(r.URL.Query().Get("ok") == "1")
	})
	mux.HandleFunc("GET /account", func(w http.ResponseWriter, r *http.Request) {
		var blocked *sdk.BlockedError
		if err := user(r).Identify(); errors.As(err, &blocked) {
			refused(r, blocked.Decision)
			return
		}
		_, _ = w.Write([]byte("hello"))
	})
	mux.HandleFunc("GET /assess", func(w http.ResponseWriter, r *http.Request) {
		a, err := user(r).Assess()
		if err != nil || a.Verdict == sdk.VerdictDeny {
			refused(r, a.Decision)
			return
		}
		_, _ = w.Write([]byte(a.Verdict))
	})
	srv := httptest.NewServer(vigilhttp.Middleware(mux))
	defer srv.Close()
	get := func(method, path, ip, cookie string) (int, string, string) {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		req.Header.Set("X-Forwarded-For", ip)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), resp.Header.Get("Set-Cookie")
	}
	const victim = "/?user=dana@example.com"
	_, _, set := get("POST", "/login"+victim[1:]+"&ok=1", "192.0.2.30", "")
	cookie, _, _ := strings.Cut(set, ";")
	if !strings.HasPrefix(cookie, "vigil_device=v1.") {
		t.Fatalf("no device cookie: %q", set)
	}
	get("POST", "/login"+victim[1:]+"&ok=1", "192.0.2.30", cookie)
	testutil.Flush()
	for i := 0; i < 6; i++ {
		get("POST", "/login"+victim[1:]+"&ok=0", fmt.Sprintf("203.0.113.%d", 40+i), "")
	}
	testutil.Flush()
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		status, body, _ := get("GET", "/account"+victim[1:], "192.0.2.31", "")
		if why := reason("/account"); status == 403 && why == "playbook:lock-attacked-accounts" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no lockout: %d %q", status, body)
		}
	}
	if status, body, _ := get("GET", "/account"+victim[1:], "192.0.2.31", cookie); status != 200 || body != "hello" {
		t.Fatalf("the owner's browser is locked out: %d %q", status, body)
	}
	if status, body, _ := get("GET", "/assess"+victim[1:], "192.0.2.31", cookie); status != 200 || body != "allow" {
		t.Fatalf("the owner's browser is assessed %d %q", status, body)
	}
	if status, body, _ := get("GET", "/assess"+victim[1:], "192.0.2.31", ""); status != 403 || reason("/assess") != "playbook:lock-attacked-accounts" {
		t.Fatalf("a new browser is assessed %d %q", status, body)
	}
	if status, _, _ := get("GET", "/account"+victim[1:], "192.0.2.31", cookie+"x"); status != 403 || reason("/account") != "playbook:lock-attacked-accounts" {
		t.Fatalf("a tampered cookie passed the lockout: %d", status)
	}
}
