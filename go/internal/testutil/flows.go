package testutil

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vigil-ato/vigil/go/sdk"
)

// The routes every middleware test app serves, through its framework:
//
//	POST /signup?user=U         ForUser({email: U}).TrackSignup() + a custom event
//	POST /login?user=U&ok=1|0   ForUser({email: U}).TrackAuth(ok)
//	GET  /account?user=U        ForUser({email: U}).Identify(), then "hello U"
//	GET  /                      "home"

// BlockedSeen counts handlers that saw Identify return a *sdk.BlockedError.
var BlockedSeen atomic.Int64

// Signup is the /signup handler body.
func Signup(r *http.Request, user string) {
	u := sdk.FromContext(r.Context()).ForUser(sdk.EventUserIdentifiersMap{"email": user})
	u.TrackSignup()
	u.TrackEvent("signup.bonus").WithProperties(sdk.EventPropertyMap{"plan": "free"})
}

// Login is the /login handler body.
func Login(r *http.Request, user string, ok bool) {
	sdk.FromContext(r.Context()).ForUser(sdk.EventUserIdentifiersMap{"email": user}).WithAccountExists(true).TrackAuth(ok)
}

// Account is the /account handler body; it returns false when the request was blocked.
func Account(r *http.Request, user string) bool {
	err := sdk.FromContext(r.Context()).ForUser(sdk.EventUserIdentifiersMap{"email": user}).Identify()
	if err != nil {
		var blocked *sdk.BlockedError
		if errors.Is(err, sdk.ErrBlocked) && errors.As(err, &blocked) && blocked.Decision.Scope == "user" {
			BlockedSeen.Add(1)
		}
		return false
	}
	return true
}

// Exercise drives a test app at base through benign use, credential stuffing and a takeover,
// and checks what Vigil did. prefix keeps each framework's IPs and users apart.
func Exercise(t *testing.T, base string, prefix int) {
	t.Helper()
	attacker := fmt.Sprintf("203.0.%d.66", prefix)
	benign := fmt.Sprintf("192.0.%d.10", prefix)
	takeover := fmt.Sprintf("198.51.%d.9", prefix)
	victim := fmt.Sprintf("victim%d@example.com", prefix)

	expect(t, do(t, "POST", base+"/signup?user=alice@example.com", benign, ""), 200, "signed up")
	expect(t, do(t, "POST", base+"/login?user=alice@example.com&ok=0", benign, ""), 200, "")
	expect(t, do(t, "POST", base+"/login?user=alice@example.com&ok=1", benign, ""), 200, "")
	expect(t, do(t, "GET", base+"/account?user=alice@example.com", benign, ""), 200, "hello alice@example.com")

	for i := 0; i < 20; i++ {
		do(t, "POST", fmt.Sprintf("%s/login?user=user%d@example.com&ok=0", base, i%7), attacker, "")
	}
	Flush()
	resp := do(t, "GET", base+"/", attacker, "application/json")
	expect(t, resp, 403, `"code":"blocked"`)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("JSON block response has Content-Type %q", ct)
	}
	resp = do(t, "GET", base+"/", attacker, "text/html,application/xhtml+xml")
	expect(t, resp, 403, "<h1>Access denied</h1>")
	expect(t, do(t, "GET", base+"/", benign, ""), 200, "home")

	for i := 0; i < 3; i++ {
		do(t, "POST", base+"/login?ok=0&user="+victim, takeover, "")
	}
	do(t, "POST", base+"/login?ok=1&user="+victim, takeover, "")
	Flush()
	before := BlockedSeen.Load()
	resp = do(t, "GET", base+"/account?user="+victim, benign, "application/json")
	expect(t, resp, 403, `"code":"blocked"`) // a user-scope decision: see BlockedSeen below
	if strings.Contains(resp.body, "secret data") {
		t.Errorf("the handler's writes after the block reached the client: %q", resp.body)
	}
	if BlockedSeen.Load() != before+1 {
		t.Errorf("the handler did not see a *sdk.BlockedError")
	}
	expect(t, do(t, "GET", base+"/account?user=alice@example.com", benign, ""), 200, "hello")
}

type response struct {
	*http.Response
	body string
}

func do(t *testing.T, method, url, ip, accept string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The test client connects from 127.0.0.1, a trusted proxy by default: it speaks for ip.
	req.Header.Set("X-Forwarded-For", ip)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{resp, string(body)}
}

func expect(t *testing.T, r response, status int, contains string) {
	t.Helper()
	if r.StatusCode != status || !strings.Contains(r.body, contains) {
		t.Errorf("%s %s: got %d %q, want %d containing %q", r.Request.Method, r.Request.URL, r.StatusCode, r.body, status, contains)
	}
}
