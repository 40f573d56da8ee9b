package sdk_test

import (
	"io"
	"log"
	"testing"
	"time"

	"github.com/posthog/posthog-go"
	analytics "gopkg.in/segmentio/analytics-go.v3"

	"github.com/vigil-ato/vigil/go/internal/native"
	"github.com/vigil-ato/vigil/go/sdk"
)

// The per-call cost a handler pays, beside the peer a Go developer would otherwise pick:
// segmentio/analytics-go's Enqueue and posthog-go's Enqueue, pointed at a closed port on
// 127.0.0.1 (all three only queue).
// Goals: TrackAuthSuccess <= 1000 ns/op and <= 2 allocs/op. `make bench` prints the ratio.

func BenchmarkVigilTrackAuthSuccess(b *testing.B) {
	ctx, _ := requestContext("203.0.113.7")
	ids := sdk.EventUserIdentifiersMap{"username": "alice"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sdk.FromContext(ctx).ForUser(ids).TrackAuthSuccess()
	}
}

func BenchmarkVigilIdentifyNotBanned(b *testing.B) {
	ctx, _ := requestContext("203.0.113.8")
	ids := sdk.EventUserIdentifiersMap{"username": "alice"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := sdk.FromContext(ctx).ForUser(ids).Identify(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVigilBanCheckIP(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if d, _ := native.CheckIP("203.0.113.9"); d != nil {
			b.Fatal("blocked")
		}
	}
}

func BenchmarkSegmentEnqueueTrack(b *testing.B) {
	client, err := analytics.NewWithConfig("write-key", analytics.Config{
		Endpoint:  "http://127.0.0.1:9",
		Interval:  time.Second,
		BatchSize: 250,
		Logger:    analytics.StdLogger(log.New(io.Discard, "", 0)),
	})
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = client.Enqueue(analytics.Track{UserId: "alice", Event: "auth.success"})
	}
}

func BenchmarkPostHogEnqueueCapture(b *testing.B) {
	client, err := posthog.NewWithConfig("phc_bench", posthog.Config{
		Endpoint:  "http://127.0.0.1:9",
		Interval:  time.Second,
		BatchSize: 250,
		Logger:    posthog.StdLogger(log.New(io.Discard, "", 0)),
	})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = client.Close() }()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = client.Enqueue(posthog.Capture{DistinctId: "alice", Event: "auth.success"})
	}
}
