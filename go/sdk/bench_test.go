package sdk_test

import (
	"fmt"
	"io"
	"log"
	"strings"
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
// Assess (a local read of the decisions held): <= 1000 ns/op, 0 allocs/op when it allows.

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

// holdDecisions gives the client 10 000 decisions (user blocks and challenges, IP blocks,
// networks) plus extra, for the Assess benchmarks, and takes them away after.
func holdDecisions(b *testing.B, extra ...string) {
	b.Helper()
	upserts := append([]string(nil), extra...)
	for i := 0; i < 10000; i++ {
		switch i % 4 {
		case 0:
			upserts = append(upserts, fmt.Sprintf(`{"id": "b%d", "scope": "user", "value": "u_%032x", "action": "block", "reason": "manual"}`, i, i))
		case 1:
			upserts = append(upserts, fmt.Sprintf(`{"id": "c%d", "scope": "user", "value": "u_%032x", "action": "challenge", "reason": "new_country", "except_devices": ["%032x"]}`, i, i, i))
		case 2:
			upserts = append(upserts, fmt.Sprintf(`{"id": "i%d", "scope": "ip", "value": "10.%d.%d.%d", "action": "block", "reason": "stuffing"}`, i, i>>16&255, i>>8&255, i&255))
		default:
			upserts = append(upserts, fmt.Sprintf(`{"id": "n%d", "scope": "cidr", "value": "172.%d.%d.0/24", "action": "challenge", "reason": "hosting"}`, i, 16+i>>8&15, i&255))
		}
	}
	if _, err := native.ApplyDecisions(`{"cursor": 1, "reset": true, "upserts": [` + strings.Join(upserts, ",") + `]}`); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _, _ = native.ApplyDecisions(`{"cursor": 2, "reset": true, "upserts": []}`) })
}

const benchDevice = "0123456789abcdef0123456789abcdef"

func BenchmarkVigilAssessAllow(b *testing.B) {
	holdDecisions(b)
	ctx, rec := requestContext("203.0.113.10")
	rec.Request.Device = benchDevice
	ids := sdk.EventUserIdentifiersMap{"username": "alice"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if a, err := sdk.FromContext(ctx).ForUser(ids).Assess(); err != nil || a.Verdict != sdk.VerdictAllow {
			b.Fatal(a, err)
		}
	}
}

// As Identify's benchmark: no decision held at all.
func BenchmarkVigilAssessAllowNoDecisions(b *testing.B) {
	ctx, rec := requestContext("203.0.113.10")
	rec.Request.Device = benchDevice
	ids := sdk.EventUserIdentifiersMap{"username": "alice"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if a, err := sdk.FromContext(ctx).ForUser(ids).Assess(); err != nil || a.Verdict != sdk.VerdictAllow {
			b.Fatal(a, err)
		}
	}
}

func BenchmarkVigilAssessChallenge(b *testing.B) {
	id, _ := sdk.Normalize(sdk.EventUserIdentifiersMap{"username": "carol"})
	holdDecisions(b, `{"id": "c_carol", "scope": "user", "value": "`+id.Key+`", "action": "challenge", "reason": "new_country"}`)
	ctx, rec := requestContext("203.0.113.11")
	rec.Request.Device = benchDevice
	ids := sdk.EventUserIdentifiersMap{"username": "carol"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if a, err := sdk.FromContext(ctx).ForUser(ids).Assess(); err != nil || a.Verdict != sdk.VerdictChallenge {
			b.Fatal(a, err)
		}
	}
}

func BenchmarkVigilRequestAssessAllow(b *testing.B) {
	holdDecisions(b)
	ctx, rec := requestContext("203.0.113.12")
	rec.Request.Device = benchDevice
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if a := sdk.FromContext(ctx).Assess(); a.Verdict != sdk.VerdictAllow {
			b.Fatal(a)
		}
	}
}

func BenchmarkVigilTrackChallenge(b *testing.B) {
	ctx, rec := requestContext("203.0.113.13")
	rec.Request.Device = benchDevice
	ids := sdk.EventUserIdentifiersMap{"username": "alice"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sdk.FromContext(ctx).ForUser(ids).TrackChallenge(sdk.ChallengeSucceeded)
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
