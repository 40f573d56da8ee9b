package sdk

import (
	"time"

	"github.com/vigil-ato/vigil/go/internal/native"
	"github.com/vigil-ato/vigil/go/internal/reqctx"
)

// UserContext is the SDK for one user of the current request.
type UserContext struct {
	ctx    Context
	ids    EventUserIdentifiersMap
	exists int32
	err    error
}

// WithAccountExists says whether the account exists, for the next TrackAuthFailure: failures
// on accounts that do not exist reveal enumeration.
func (u UserContext) WithAccountExists(exists bool) UserContext {
	u.exists = 0
	if exists {
		u.exists = 1
	}
	return u
}

// TrackSignup records that this user signed up.
func (u UserContext) TrackSignup() UserContext {
	if u.ctx.rec != nil {
		u.err = report(native.TrackSignup(u.ids, &u.ctx.rec.Request))
	}
	return u
}

// TrackAuth records a login attempt by this user.
func (u UserContext) TrackAuth(loginSuccess bool) UserContext {
	if u.ctx.rec != nil {
		exists := u.exists
		if loginSuccess {
			exists = -1
		}
		u.err = report(native.TrackAuth(loginSuccess, u.ids, exists, &u.ctx.rec.Request))
	}
	return u
}

// TrackAuthSuccess is TrackAuth(true).
func (u UserContext) TrackAuthSuccess() UserContext { return u.TrackAuth(true) }

// TrackAuthFailure is TrackAuth(false).
func (u UserContext) TrackAuthFailure() UserContext { return u.TrackAuth(false) }

// TrackEvent records a custom event of this user (see Context.TrackEvent).
func (u UserContext) TrackEvent(event string) *UserEvent {
	return (*UserEvent)(u.ctx.TrackEvent(event).WithUserIdentifiers(u.ids))
}

// Identify associates this user with the current request and checks bans. It returns a
// *BlockedError (errors.Is(err, ErrBlocked)) when the user or the request's IP is blocked:
// the middleware has then answered the request, and the handler should return at once.
func (u UserContext) Identify() error {
	rec := u.ctx.rec
	if rec == nil {
		return nil
	}
	d, err := native.Identify(u.ids, &rec.Request)
	if err != nil {
		return report(err)
	}
	rec.SetUser(u.ids)
	if d != nil {
		rec.MarkBlocked(d)
		return &BlockedError{Decision: d}
	}
	return nil
}

// Err is the error of the last call made through this value, if any.
func (u UserContext) Err() error { return u.err }

func report(err error) error {
	if err != nil {
		reqctx.ReportError(err)
	}
	return err
}

// UserEvent is a custom event of a user being built.
type UserEvent TrackEvent

// WithProperties adds properties to the event.
func (e *UserEvent) WithProperties(p EventPropertyMap) *UserEvent {
	(*TrackEvent)(e).WithProperties(p)
	return e
}

// WithTimestamp sets when the event happened.
func (e *UserEvent) WithTimestamp(t time.Time) *UserEvent {
	(*TrackEvent)(e).WithTimestamp(t)
	return e
}
