package sdk_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-ato/vigil/go/internal/native"
	"github.com/vigil-ato/vigil/go/internal/testutil"
	"github.com/vigil-ato/vigil/go/sdk"
)

const adminToken = "vigil-test-admin-token-0123456789abcdef"

// TestBanOnRealServer runs against a real vigil-server on 127.0.0.1 (the test command builds it
// and sets VIGIL_SERVER_BIN): a ban made on the server makes Identify fail within 2 s.
func TestBanOnRealServer(t *testing.T) {
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
	token := lines[len(lines)-1]
	var app int
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
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	url := "http://" + addr
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(url + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("server did not start")
		}
	}

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
