package testutil

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/vigil-ato/vigil/go/internal/reqctx"
	"github.com/vigil-ato/vigil/go/sdk"
)

// The routes every middleware test app serves, through its framework:
//
//	POST /signup?user=U         ForUser({email: U}).TrackSignup() + a custom event
//	POST /login?user=U&ok=1|0   ForUser({email: U}).TrackAuth(ok)
//	GET  /account?user=U        ForUser({email: U}).Identify(), then "hello U"
//	GET  /device                the device the middleware put in the request context
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

// Device is the /device handler body: the request's device, as every SDK call of the request
// sends it.
func Device(r *http.Request) string {
	if rec := reqctx.From(r.Context()); rec != nil {
		return rec.Request.Device
	}
	return "<no record>"
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
	// A browser without the device cookie gets it even with the block response.
	deviceCookie(t, resp)
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
	deviceCookie(t, resp)                    // set before the handler ran, kept by the block
	if strings.Contains(resp.body, "secret data") {
		t.Errorf("the handler's writes after the block reached the client: %q", resp.body)
	}
	if BlockedSeen.Load() != before+1 {
		t.Errorf("the handler did not see a *sdk.BlockedError")
	}
	expect(t, do(t, "GET", base+"/account?user=alice@example.com", benign, ""), 200, "hello")
}

var cookieValue = regexp.MustCompile(`^vigil_device=(v1\.([0-9a-f]{32})\.[A-Za-z0-9_-]{22})$`)

// deviceCookie checks that resp sets exactly one device cookie, as the core writes it, and
// returns its value and id.
func deviceCookie(t *testing.T, resp response) (value, id string) {
	t.Helper()
	set := resp.Header.Values("Set-Cookie")
	if len(set) != 1 {
		t.Errorf("%s %s: Set-Cookie %q, want one device cookie", resp.Request.Method, resp.Request.URL, set)
		return "", ""
	}
	pair, attrs, _ := strings.Cut(set[0], "; ")
	m := cookieValue.FindStringSubmatch(pair)
	if m == nil || attrs != "Path=/; Max-Age=63072000; HttpOnly; SameSite=Lax" {
		t.Errorf("Set-Cookie %q is not a device cookie", set[0])
		return "", ""
	}
	return m[1], m[2]
}

// ExerciseDevice checks a test app's device cookie: set once on the first response, the same
// device in the request context while the browser sends it back, through every SDK call and
// a block, and a fresh device (and cookie) for a tampered one. prefix keeps IPs apart.
func ExerciseDevice(t *testing.T, base string, prefix int) {
	t.Helper()
	ip := fmt.Sprintf("192.0.%d.20", prefix)
	first := doWith(t, "GET", base+"/device", ip, nil)
	value, id := deviceCookie(t, first)
	expect(t, first, 200, id)
	if id == "" || first.body != id {
		t.Fatalf("the request's device %q is not the cookie's %q", first.body, id)
	}
	sent := map[string]string{"Cookie": "theme=dark; vigil_device=" + value + "; lang=en"}
	for _, path := range []string{"/device", "/signup?user=dev" + id[:6] + "@example.com", "/login?ok=1&user=dev" + id[:6] + "@example.com",
		"/account?user=dev" + id[:6] + "@example.com", "/device"} {
		method := "GET"
		if strings.HasPrefix(path, "/signup") || strings.HasPrefix(path, "/login") {
			method = "POST"
		}
		resp := doWith(t, method, base+path, ip, sent)
		if resp.StatusCode != 200 || len(resp.Header.Values("Set-Cookie")) != 0 {
			t.Errorf("%s %s with the cookie: %d, Set-Cookie %q", method, path, resp.StatusCode, resp.Header.Values("Set-Cookie"))
		}
		if path == "/device" && resp.body != id {
			t.Errorf("the device changed from %q to %q", id, resp.body)
		}
	}
	// The cookie split over two header fields (as HTTP/2 may send it) reads the same.
	split := doWithHeaders(t, "GET", base+"/device", ip, [][2]string{{"Cookie", "theme=dark"}, {"Cookie", "vigil_device=" + value}})
	if split.body != id || len(split.Header.Values("Set-Cookie")) != 0 {
		t.Errorf("split Cookie header: device %q, Set-Cookie %q", split.body, split.Header.Values("Set-Cookie"))
	}
	// Tampered (one character of the tag changed): a new device, and a cookie replacing it.
	at := len(value) - 5 // inside the tag, a character carrying six bits of it
	flipped := byte('A')
	if value[at] == 'A' {
		flipped = 'B'
	}
	bad := value[:at] + string(flipped) + value[at+1:]
	tampered := doWith(t, "GET", base+"/device", ip, map[string]string{"Cookie": "vigil_device=" + bad})
	newValue, newID := deviceCookie(t, tampered)
	if newID == "" || newID == id || tampered.body != newID || newValue == value {
		t.Errorf("tampered cookie: device %q, new cookie %q (old %q)", tampered.body, newID, id)
	}
	// Another id under the old tag: forged, refused the same way.
	forged := doWith(t, "GET", base+"/device", ip, map[string]string{"Cookie": "vigil_device=v1." + strings.Repeat("0", 32) + value[len("v1.")+32:]})
	if _, forgedID := deviceCookie(t, forged); forgedID == "" || forged.body != forgedID || forgedID == strings.Repeat("0", 32) {
		t.Errorf("forged cookie: device %q", forged.body)
	}
}

// ExerciseNoDevice checks an app whose middleware disables the device cookie.
func ExerciseNoDevice(t *testing.T, base string, prefix int) {
	t.Helper()
	resp := doWith(t, "GET", base+"/device", fmt.Sprintf("192.0.%d.21", prefix), map[string]string{"Cookie": "vigil_device=v1.x.y"})
	if resp.StatusCode != 200 || resp.body != "" || len(resp.Header.Values("Set-Cookie")) != 0 {
		t.Errorf("device cookie disabled: %d device %q, Set-Cookie %q", resp.StatusCode, resp.body, resp.Header.Values("Set-Cookie"))
	}
}

type response struct {
	*http.Response
	body string
}

func do(t *testing.T, method, url, ip, accept string) response {
	t.Helper()
	var headers [][2]string
	if accept != "" {
		headers = append(headers, [2]string{"Accept", accept})
	}
	return doWithHeaders(t, method, url, ip, headers)
}

func doWith(t *testing.T, method, url, ip string, headers map[string]string) response {
	t.Helper()
	var list [][2]string
	for k, v := range headers {
		list = append(list, [2]string{k, v})
	}
	return doWithHeaders(t, method, url, ip, list)
}

func doWithHeaders(t *testing.T, method, url, ip string, headers [][2]string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The test client connects from 127.0.0.1, a trusted proxy by default: it speaks for ip.
	req.Header.Set("X-Forwarded-For", ip)
	for _, h := range headers {
		req.Header.Add(h[0], h[1])
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
