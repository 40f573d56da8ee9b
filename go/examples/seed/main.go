// Command seed runs the snippets of Sqreen's Go SDK documentation unchanged (but for the
// import paths) on Vigil: a net/http app whose signup, login and account handlers track users.
//
//	go run ./examples/seed            # local mode: the engine runs in-process
//	VIGIL_URL=http://127.0.0.1:8470 VIGIL_TOKEN=... go run ./examples/seed
package main

import (
	"log"
	"net/http"
	"os"
	"time"

	vigil "github.com/vigil-ato/vigil/go"
	"github.com/vigil-ato/vigil/go/middleware/vigilhttp"
	"github.com/vigil-ato/vigil/go/sdk"
)

var passwords = map[string]string{}

func signup(w http.ResponseWriter, r *http.Request) {
	user := r.FormValue("user")
	passwords[user] = r.FormValue("password")
	uid := sdk.EventUserIdentifiersMap{"uid": user}
	sqUser := sdk.FromContext(r.Context()).ForUser(uid)
	sqUser.TrackSignup()
	_, _ = w.Write([]byte("welcome " + user + "\n"))
}

func login(w http.ResponseWriter, r *http.Request) {
	user := r.FormValue("user")
	uid := sdk.EventUserIdentifiersMap{"uid": user}
	sqUser := sdk.FromContext(r.Context()).ForUser(uid)
	if pw, ok := passwords[user]; ok && pw == r.FormValue("password") {
		sqUser.TrackAuthSuccess()
		_, _ = w.Write([]byte("logged in\n"))
		return
	}
	sqUser.WithAccountExists(passwords[user] != "").TrackAuthFailure()
	http.Error(w, "bad credentials", http.StatusUnauthorized)
}

func account(w http.ResponseWriter, r *http.Request) {
	uid := sdk.EventUserIdentifiersMap{"uid": r.FormValue("user")}
	sqUser := sdk.FromContext(r.Context()).ForUser(uid)
	if err := sqUser.Identify(); err != nil {
		// Blocked: the middleware has answered the request.
		return
	}
	sqUser.TrackEvent("my.user.event").WithProperties(sdk.EventPropertyMap{"page": "account"})
	_, _ = w.Write([]byte("your account\n"))
}

func main() {
	if err := vigil.Start(vigil.Options{}); err != nil {
		log.Fatal(err)
	}
	defer func() { _ = vigil.Stop(2 * time.Second) }()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /signup", signup)
	mux.HandleFunc("POST /login", login)
	mux.HandleFunc("GET /account", account)
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:8081"
	}
	log.Printf("listening on %s (vigil %s)", addr, vigil.Version())
	log.Fatal(http.ListenAndServe(addr, vigilhttp.Middleware(mux)))
}
