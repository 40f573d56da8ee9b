// Package reqctx carries what Vigil knows about one HTTP request from the middleware that
// created it to the SDK calls made while handling it.
package reqctx

import (
	"context"
	"sync"
	"time"

	"github.com/vigil-ato/vigil/go/internal/native"
)

// StringKey is the key under which middlewares of frameworks whose context only takes string
// keys (gin) store the record; FromContext falls back to it.
const StringKey = "vigil.request"

type key struct{}

// Event is a custom event waiting for the request to end, so options chained after
// TrackEvent (WithProperties, WithTimestamp...) are part of it.
type Event struct {
	Name  string
	IDs   map[string]string
	Props map[string]string
	TS    time.Time
}

// Record is one request's Vigil state.
type Record struct {
	Request native.Request
	// Block writes the block response; set by the middleware.
	Block func(*native.Decision)

	mu       sync.Mutex
	blocked  *native.Decision
	userIDs  map[string]string
	pending  []*Event
	finished bool
}

// With returns ctx carrying rec.
func With(ctx context.Context, rec *Record) context.Context {
	return context.WithValue(ctx, key{}, rec)
}

// From returns the record in ctx, or nil.
func From(ctx context.Context) *Record {
	if ctx == nil {
		return nil
	}
	if rec, ok := ctx.Value(key{}).(*Record); ok {
		return rec
	}
	if rec, ok := ctx.Value(StringKey).(*Record); ok {
		return rec
	}
	return nil
}

// Queue adds a custom event to send when the request ends.
func (r *Record) Queue(e *Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.finished {
		// Tracked after the response: send it now rather than lose it.
		go r.send(e, r.userIDs)
		return
	}
	r.pending = append(r.pending, e)
}

// SetUser records the identified user; later custom events default to it.
func (r *Record) SetUser(ids map[string]string) {
	r.mu.Lock()
	r.userIDs = ids
	r.mu.Unlock()
}

// User is the identified user (SetUser), or nil.
func (r *Record) User() map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.userIDs
}

// MarkBlocked writes the block response once; later calls do nothing.
func (r *Record) MarkBlocked(d *native.Decision) {
	r.mu.Lock()
	first := r.blocked == nil
	if first {
		r.blocked = d
	}
	r.mu.Unlock()
	if first && r.Block != nil {
		r.Block(d)
	}
}

// Blocked returns the decision that blocked this request, if any.
func (r *Record) Blocked() *native.Decision {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.blocked
}

// End sends the pending custom events; called by the middleware after the handler returns.
func (r *Record) End() {
	r.mu.Lock()
	pending, user := r.pending, r.userIDs
	r.pending, r.finished = nil, true
	r.mu.Unlock()
	for _, e := range pending {
		r.send(e, user)
	}
}

func (r *Record) send(e *Event, user map[string]string) {
	ids := e.IDs
	if ids == nil {
		ids = user
	}
	if err := native.TrackEvent(e.Name, ids, e.Props, e.TS, &r.Request); err != nil {
		ReportError(err)
	}
}

var errorHandler struct {
	sync.RWMutex
	fn func(error)
}

// SetErrorHandler sets where errors of fire-and-forget calls go.
func SetErrorHandler(fn func(error)) {
	errorHandler.Lock()
	errorHandler.fn = fn
	errorHandler.Unlock()
}

// ReportError hands an error of a fire-and-forget call to the error handler.
func ReportError(err error) {
	errorHandler.RLock()
	fn := errorHandler.fn
	errorHandler.RUnlock()
	if fn != nil {
		fn(err)
	}
}
