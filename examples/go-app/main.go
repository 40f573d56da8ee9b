// Command go-app is net/http + Vigil's Go SDK: the example app of `make demo` and the e2e
// tests. The same small surface as examples/flask-app and examples/express-app:
//
//	POST /signup   form email, password  -> TrackSignup()
//	POST /login    form email, password  -> TrackAuth(ok)
//	GET  /account  header X-User (a stand-in session) -> Identify(), 403 when banned
//	GET  /stats    the SDK's counters (JSON)
//	GET  /healthz  ok
//
// Configured by environment: PORT, and the SDK's VIGIL_URL, VIGIL_TOKEN, VIGIL_* options.
// vigilhttp trusts X-Forwarded-For from loopback only by default, so a driver on 127.0.0.1
// can speak for many client IPs.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	vigil "github.com/vigil-ato/vigil/go"
	"github.com/vigil-ato/vigil/go/middleware/vigilhttp"
	"github.com/vigil-ato/vigil/go/sdk"
)

// users is a stand-in for a real user store: email -> password.
type users struct {
	mu        sync.Mutex
	passwords map[string]string
}

func (u *users) set(email, password string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.passwords[email] = password
}

func (u *users) check(email, password string) (known, ok bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	pw, known := u.passwords[email]
	return known, known && pw == password
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func routes(store *users) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /signup", func(w http.ResponseWriter, r *http.Request) {
		email := strings.TrimSpace(r.FormValue("email"))
		if email == "" {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "email required"})
			return
		}
		store.set(email, r.FormValue("password"))
		sdk.FromContext(r.Context()).ForUser(sdk.EventUserIdentifiersMap{"email": email}).TrackSignup()
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "user": email})
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		email := strings.TrimSpace(r.FormValue("email"))
		known, ok := store.check(email, r.FormValue("password"))
		user := sdk.FromContext(r.Context()).ForUser(sdk.EventUserIdentifiersMap{"email": email})
		switch {
		case ok:
			user.TrackAuthSuccess()
			writeJSON(w, http.StatusOK, map[string]any{"ok": true, "user": email})
			return
		case known:
			user.TrackAuthFailure()
		default:
			// Failures on accounts that do not exist say so: it feeds enumeration detection.
			user.WithAccountExists(false).TrackAuthFailure()
		}
		writeJSON(w, http.StatusUnauthorized, map[string]any{"ok": false})
	})
	mux.HandleFunc("GET /account", func(w http.ResponseWriter, r *http.Request) {
		email := r.Header.Get("X-User")
		if email == "" {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "not logged in"})
			return
		}
		user := sdk.FromContext(r.Context()).ForUser(sdk.EventUserIdentifiersMap{"email": email})
		if err := user.Identify(); err != nil {
			return // blocked: the middleware has answered 403
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "user": email})
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		stats, err := vigil.Stats()
		if err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, stats)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok"))
	})
	return mux
}

func main() {
	// Vigil never takes the host app down: without it the app serves unprotected.
	if err := vigil.Start(vigil.Options{}); err != nil {
		log.Printf("go-app: Vigil did not start, serving without protection: %v", err)
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "8003"
	}
	srv := &http.Server{
		Addr:              "127.0.0.1:" + port,
		Handler:           vigilhttp.Middleware(routes(&users{passwords: map[string]string{}})),
		ReadHeaderTimeout: 10 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	log.Printf("go-app: listening on http://%s (vigil %s)", srv.Addr, vigil.Version())
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	// Deliver what the SDK holds, with a deadline, before exiting.
	_ = vigil.Stop(2 * time.Second)
}
