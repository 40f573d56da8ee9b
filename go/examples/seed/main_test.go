package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/vigil-ato/vigil/go/internal/testutil"
	"github.com/vigil-ato/vigil/go/middleware/vigilhttp"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// The seed's snippets, served for real: sign up, log in, then a stuffing run gets its IP blocked.
func TestSeedSnippets(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /signup", signup)
	mux.HandleFunc("POST /login", login)
	mux.HandleFunc("GET /account", account)
	srv := httptest.NewServer(vigilhttp.Middleware(mux))
	defer srv.Close()

	post := func(path, user, pw, ip string) int {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(url.Values{"user": {user}, "password": {pw}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", ip)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if post("/signup", "my-uid", "pw", "192.0.2.1") != 200 || post("/login", "my-uid", "pw", "192.0.2.1") != 200 {
		t.Fatal("benign flow failed")
	}
	for i := 0; i < 20; i++ {
		post("/login", "user"+string(rune('a'+i%6)), "guess", "203.0.113.99")
	}
	testutil.Flush()
	req, _ := http.NewRequest("GET", srv.URL+"/account?user=my-uid", nil)
	req.Header.Set("X-Forwarded-For", "203.0.113.99")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "Access denied") {
		t.Fatalf("stuffing IP got %d %q", resp.StatusCode, body)
	}
}
