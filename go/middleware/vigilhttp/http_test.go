package vigilhttp_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/vigil-ato/vigil/go/internal/testutil"
	"github.com/vigil-ato/vigil/go/middleware"
	"github.com/vigil-ato/vigil/go/middleware/vigilhttp"
)

func TestMain(m *testing.M) { testutil.Main(m) }

func app() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /signup", func(w http.ResponseWriter, r *http.Request) {
		testutil.Signup(r, r.URL.Query().Get("user"))
		_, _ = w.Write([]byte("signed up"))
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		testutil.Login(r, r.URL.Query().Get("user"), r.URL.Query().Get("ok") == "1")
	})
	mux.HandleFunc("GET /account", func(w http.ResponseWriter, r *http.Request) {
		user := r.URL.Query().Get("user")
		if !testutil.Account(r, user) {
			// A careless handler that carries on: the middleware discards this.
			_, _ = w.Write([]byte("secret data"))
			return
		}
		_, _ = w.Write([]byte("hello " + user))
	})
	mux.HandleFunc("GET /device", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(testutil.Device(r))) })
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("home")) })
	return mux
}

func TestMiddleware(t *testing.T) {
	srv := httptest.NewServer(vigilhttp.Middleware(app()))
	defer srv.Close()
	testutil.Exercise(t, srv.URL, 1)
	testutil.ExerciseDevice(t, srv.URL, 1)
}

func TestDeviceCookieDisabled(t *testing.T) {
	srv := httptest.NewServer(vigilhttp.Middleware(app(), middleware.WithDeviceCookie("")))
	defer srv.Close()
	testutil.ExerciseNoDevice(t, srv.URL, 1)
}

func TestConfiguredBlockResponse(t *testing.T) {
	srv := httptest.NewServer(vigilhttp.Middleware(app(),
		middleware.WithBlockStatus(451), middleware.WithBlockBody("text/plain", []byte("go away\n"))))
	defer srv.Close()
	for i := 0; i < 20; i++ {
		req, _ := http.NewRequest("POST", srv.URL+"/login?ok=0&user=u"+string(rune('a'+i%7))+"@example.com", nil)
		req.Header.Set("X-Forwarded-For", "203.0.9.9")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	testutil.Flush()
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	req.Header.Set("X-Forwarded-For", "203.0.9.9")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 451 || resp.Header.Get("Content-Type") != "text/plain" {
		t.Fatalf("got %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
