// Command sdkmem measures the Go SDK's resident memory after a million tracking calls while
// the server is down (`make bench`): the queue is bounded (queue_capacity, 10,000 events by
// default), so memory must stay flat however long the outage lasts. It prints one JSON line.
//
//	go run ./internal/cmd/sdkmem [-calls 1000000]
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	vigil "github.com/vigil-ato/vigil/go"
	"github.com/vigil-ato/vigil/go/middleware/vigilhttp"
	"github.com/vigil-ato/vigil/go/sdk"
)

// rssKiB reads VmRSS: the process's resident memory, Go heap and the Rust core alike.
func rssKiB() int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kib, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return kib
		}
	}
	return 0
}

func main() {
	calls := flag.Int("calls", 1_000_000, "tracking calls to make")
	flag.Parse()
	// Nothing listens on port 9: every delivery fails and is retried later.
	if err := vigil.Start(vigil.Options{URL: "http://127.0.0.1:9", Token: "bench"}); err != nil {
		log.Fatal(err)
	}
	ids := sdk.EventUserIdentifiersMap{"username": "alice"}
	track := func(n int) {
		// Calls count only inside a request the middleware knows: make one.
		h := vigilhttp.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			for i := 0; i < n; i++ {
				sdk.FromContext(r.Context()).ForUser(ids).TrackAuthSuccess()
			}
		}))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/login", nil))
	}
	track(20_000) // let allocator pools and the queue reach steady state first
	runtime.GC()
	debug.FreeOSMemory()
	before := rssKiB()
	started := time.Now()
	track(*calls)
	elapsed := time.Since(started)
	runtime.GC()
	debug.FreeOSMemory()
	after := rssKiB()
	stats, _ := vigil.Stats()
	out, _ := json.Marshal(map[string]any{
		"lang": "go", "calls": *calls, "rss_before_kib": before, "rss_after_kib": after,
		"queued": stats["queued"], "dropped": stats["dropped"], "seconds": elapsed.Seconds(),
	})
	fmt.Println(string(out))
	_ = vigil.Stop(100 * time.Millisecond)
}
