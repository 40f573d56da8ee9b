package native

/*
#include "vigil.h"
*/
import "C"

import (
	"time"
)

// Error is a failure reported by the core: Code is its stable name (e.g. "duplicate_key").
type Error struct {
	Status  int32
	Code    string
	Message string
}

func (e *Error) Error() string { return "vigil: " + e.Message }

// IsInvalidInput reports whether the caller's arguments caused the error.
func (e *Error) IsInvalidInput() bool {
	switch e.Status {
	case C.VIGIL_ERR_CONFIG, C.VIGIL_ERR_SHUT_DOWN, C.VIGIL_ERR_TIMEOUT, C.VIGIL_ERR_INTERNAL:
		return false
	}
	return true
}

// Decision is a decision in force: a ban (block, redirect) or, from Assess only, a challenge.
type Decision struct {
	ID          string
	Reason      string
	Action      string // "block", "redirect" or (Assess only) "challenge"
	Scope       string // "user", "ip" or "cidr"
	RedirectURL string
	// ExpiresAt is zero for a decision that does not expire.
	ExpiresAt time.Time
}

var statusNames = func() map[int32]string {
	names := make(map[int32]string)
	for s := int32(-99); s <= 3; s++ {
		if name := C.GoString(C.vigil_status_name(C.int32_t(s))); name != "unknown" {
			names[s] = name
		}
	}
	return names
}()

func statusName(s int32) string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return "unknown"
}

// status turns a call's status into an error (nil for OK, BLOCKED and DROPPED).
func (a *arena) status(s C.int32_t) error {
	if s >= 0 {
		return nil
	}
	return &Error{Status: int32(s), Code: statusName(int32(s)), Message: C.GoString(a.errBuf)}
}

func (a *arena) outcome(s C.int32_t) (*Decision, error) {
	if s != C.VIGIL_BLOCKED {
		return nil, a.status(s)
	}
	return decisionOf(a.decision), nil
}

// decisionOf copies a decision the library wrote out of C memory.
func decisionOf(d *C.vigil_decision) *Decision {
	out := &Decision{
		ID:          C.GoString(&d.id[0]),
		Reason:      C.GoString(&d.reason[0]),
		RedirectURL: C.GoString(&d.redirect_url[0]),
		Action:      "block",
		Scope:       "user",
	}
	switch d.action {
	case C.VIGIL_ACTION_REDIRECT:
		out.Action = "redirect"
	case C.VIGIL_ACTION_CHALLENGE:
		out.Action = "challenge"
	}
	switch d.scope {
	case C.VIGIL_SCOPE_IP:
		out.Scope = "ip"
	case C.VIGIL_SCOPE_CIDR:
		out.Scope = "cidr"
	}
	if d.expires_at_ms != 0 {
		out.ExpiresAt = time.UnixMilli(int64(d.expires_at_ms))
	}
	return out
}
