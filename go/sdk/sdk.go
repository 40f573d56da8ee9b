// Package sdk is Vigil's user-monitoring SDK for Go, with the surface of Sqreen's go-agent
// `sdk` package: a ported app changes only its import paths.
//
//	uid := sdk.EventUserIdentifiersMap{"uid": "my-uid"}
//	sqUser := sdk.FromContext(ctx).ForUser(uid)
//	sqUser.TrackSignup()
//
// Vigil adds verdicts to that surface: sqUser.Assess() answers allow, challenge (ask for a
// second factor, then report it with sqUser.TrackChallenge) or deny, from the decisions held,
// on the request's device (the middlewares keep a signed device cookie).
//
// Calls made outside a request that a Vigil middleware (vigilhttp, vigilgin, vigilecho)
// handles, or before Vigil starts, do nothing.
package sdk

import (
	"context"
	"time"

	"github.com/vigil-ato/vigil/go/internal/native"
	"github.com/vigil-ato/vigil/go/internal/reqctx"
)

// EventUserIdentifiersMap identifies a user: keys and values are strings, and together they
// must uniquely identify the user (a composite key is fine: email and platform id).
type EventUserIdentifiersMap map[string]string

// EventPropertyMap holds a custom event's properties (at most 16).
type EventPropertyMap map[string]string

// Context is the SDK bound to the current request.
type Context struct {
	rec *reqctx.Record
}

// FromContext returns the SDK for the request in ctx (an http.Request's context, or a
// *gin.Context). It never returns nil: without a Vigil middleware it does nothing.
func FromContext(ctx context.Context) Context {
	return Context{rec: reqctx.From(ctx)}
}

// ForUser returns the SDK for one user of this request. It records nothing by itself.
func (c Context) ForUser(ids EventUserIdentifiersMap) UserContext {
	return UserContext{ctx: c, ids: ids, exists: -1}
}

// TrackEvent records a custom security event, sent when the request ends with the options
// chained on the returned value. Without WithUserIdentifiers it belongs to the user the
// request was identified as (Identify), if any.
func (c Context) TrackEvent(event string) *TrackEvent {
	e := &TrackEvent{ev: &reqctx.Event{Name: event}}
	if c.rec != nil {
		c.rec.Queue(e.ev)
	}
	return e
}

// TrackEvent is a custom event being built.
type TrackEvent struct {
	ev *reqctx.Event
}

// WithUserIdentifiers attaches the event to a user.
func (e *TrackEvent) WithUserIdentifiers(ids EventUserIdentifiersMap) *TrackEvent {
	e.ev.IDs = ids
	return e
}

// WithProperties adds properties to the event.
func (e *TrackEvent) WithProperties(p EventPropertyMap) *TrackEvent {
	e.ev.Props = p
	return e
}

// WithTimestamp sets when the event happened (default: when it is sent).
func (e *TrackEvent) WithTimestamp(t time.Time) *TrackEvent {
	e.ev.TS = t
	return e
}

// Identity is a user's normalized identity.
type Identity = native.Identity

// Normalize applies Vigil's identity rules: the normalized identifiers, the primary
// identifier and the stable user key, or a *ValidationError.
func Normalize(ids EventUserIdentifiersMap) (Identity, error) {
	return native.Normalize(ids)
}

// SetErrorHandler sets where errors of fire-and-forget calls (TrackSignup, TrackAuth, ...)
// go; by default they are dropped. Each UserContext also keeps its last error (Err).
func SetErrorHandler(fn func(error)) { reqctx.SetErrorHandler(fn) }
