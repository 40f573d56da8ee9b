package sdk_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/vigil-ato/vigil/go/internal/native"
	"github.com/vigil-ato/vigil/go/internal/reqctx"
	"github.com/vigil-ato/vigil/go/internal/testutil"
	"github.com/vigil-ato/vigil/go/sdk"
)

func TestMain(m *testing.M) { testutil.Main(m) }

// requestContext is what a middleware hands a handler.
func requestContext(ip string) (context.Context, *reqctx.Record) {
	rec := &reqctx.Record{Request: native.Request{IP: ip, UserAgent: "go-test", Method: "POST", Path: "/login"}}
	return reqctx.With(context.Background(), rec), rec
}

func stat(t *testing.T, name string) float64 {
	t.Helper()
	s, err := native.Stats()
	if err != nil {
		t.Fatal(err)
	}
	return s[name].(float64)
}

func TestWithoutMiddlewareEverythingIsANoOp(t *testing.T) {
	before := stat(t, "enqueued")
	u := sdk.FromContext(context.Background()).ForUser(sdk.EventUserIdentifiersMap{"uid": "my-uid"})
	u.TrackSignup()
	u.TrackAuthSuccess().TrackAuthFailure()
	u.TrackEvent("my.user.event").WithProperties(sdk.EventPropertyMap{"k": "v"}).WithTimestamp(time.Now())
	sdk.FromContext(context.Background()).TrackEvent("x").WithUserIdentifiers(sdk.EventUserIdentifiersMap{"a": "b"})
	var nilCtx context.Context
	if err := sdk.FromContext(nilCtx).ForUser(nil).Identify(); err != nil {
		t.Fatal(err)
	}
	if stat(t, "enqueued") != before {
		t.Fatal("a call without middleware recorded an event")
	}
}

func TestTrackingRecordsEvents(t *testing.T) {
	ctx, rec := requestContext("192.0.2.50")
	before := stat(t, "enqueued")
	u := sdk.FromContext(ctx).ForUser(sdk.EventUserIdentifiersMap{"email": "Bob@Example.com", "platform_id": "3"})
	if err := u.TrackSignup().Err(); err != nil {
		t.Fatal(err)
	}
	u.TrackAuthSuccess()
	u.WithAccountExists(false).TrackAuthFailure()
	u.TrackAuth(true)
	if err := u.Identify(); err != nil {
		t.Fatal(err)
	}
	// Custom events wait for the end of the request, so options chained later count.
	u.TrackEvent("order.paid").WithProperties(sdk.EventPropertyMap{"amount": "12"}).WithTimestamp(time.Now())
	sdk.FromContext(ctx).TrackEvent("page.view")
	if got := stat(t, "enqueued") - before; got != 5 {
		t.Fatalf("%v events before the request ended, want 5 (4 tracks + identify.seen)", got)
	}
	rec.End()
	if got := stat(t, "enqueued") - before; got != 7 {
		t.Fatalf("%v events after the request ended, want 7", got)
	}
}

func TestInvalidInputIsReportedNotPanicked(t *testing.T) {
	ctx, rec := requestContext("192.0.2.51")
	var mu sync.Mutex
	var seen []error
	sdk.SetErrorHandler(func(err error) { mu.Lock(); seen = append(seen, err); mu.Unlock() })
	defer sdk.SetErrorHandler(nil)

	cases := map[string]sdk.EventUserIdentifiersMap{
		"empty":             {},
		"empty_key":         {" ": "x"},
		"empty_value":       {"uid": "  "},
		"control_character": {"uid": "a\nb"},
		"duplicate_key":     {"Email": "a@b.c", "email": "d@e.f"},
	}
	for code, ids := range cases {
		err := sdk.FromContext(ctx).ForUser(ids).TrackSignup().Err()
		var verr *sdk.ValidationError
		if !errors.As(err, &verr) || verr.Code != code || !verr.IsInvalidInput() {
			t.Errorf("%s: got %v", code, err)
		}
		if err := sdk.FromContext(ctx).ForUser(ids).Identify(); err == nil || errors.Is(err, sdk.ErrBlocked) {
			t.Errorf("%s: Identify returned %v", code, err)
		}
	}
	sdk.FromContext(ctx).TrackEvent("vigil.reserved")
	sdk.FromContext(ctx).TrackEvent("")
	rec.End()
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2*len(cases)+2 {
		t.Fatalf("error handler saw %d errors: %v", len(seen), seen)
	}
	var verr *sdk.ValidationError
	if !errors.As(seen[len(seen)-1], &verr) || verr.Code != "event_name_length" {
		t.Fatalf("last error %v", seen[len(seen)-1])
	}
}

func TestIdentifyReportsIPBlocks(t *testing.T) {
	for i := 0; i < 20; i++ {
		ctx, _ := requestContext("203.0.113.200")
		sdk.FromContext(ctx).ForUser(sdk.EventUserIdentifiersMap{"username": string(rune('a' + i%6))}).WithAccountExists(true).TrackAuthFailure()
	}
	testutil.Flush()
	ctx, rec := requestContext("203.0.113.200")
	var blockedWith *sdk.Decision
	rec.Block = func(d *sdk.Decision) { blockedWith = d }
	err := sdk.FromContext(ctx).ForUser(sdk.EventUserIdentifiersMap{"username": "innocent"}).Identify()
	var blocked *sdk.BlockedError
	if !errors.Is(err, sdk.ErrBlocked) || !errors.As(err, &blocked) {
		t.Fatalf("got %v", err)
	}
	if blocked.Decision.Scope != "ip" || blocked.Decision.ExpiresAt.Before(time.Now()) || blockedWith != blocked.Decision {
		t.Fatalf("decision %+v, block response written with %+v", blocked.Decision, blockedWith)
	}
}

func TestNormalize(t *testing.T) {
	id, err := sdk.Normalize(sdk.EventUserIdentifiersMap{"Email": " Alice@Example.com "})
	if err != nil || id.Key != "u_355281dfacb5bb2d4aedce5600e213b2" || id.Primary != "email" || id.IDs["email"] != "alice@example.com" {
		t.Fatalf("%+v %v", id, err)
	}
}

func TestConcurrentUseIsRaceFree(t *testing.T) {
	srvCtx, rec := requestContext("192.0.2.77")
	_ = httptest.NewRecorder()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				u := sdk.FromContext(srvCtx).ForUser(sdk.EventUserIdentifiersMap{"uid": string(rune('a' + g))})
				u.TrackAuth(i%2 == 0)
				_ = u.Identify()
				u.TrackEvent("tick")
			}
		}(g)
	}
	wg.Wait()
	rec.End()
}
