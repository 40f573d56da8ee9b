package sdk

import (
	"errors"

	"github.com/vigil-ato/vigil/go/internal/native"
)

// ErrBlocked matches (errors.Is) every *BlockedError.
var ErrBlocked = errors.New("vigil: blocked")

// Decision is the ban decision that blocked a request.
type Decision = native.Decision

// BlockedError is returned by Identify when the user or the request's IP is blocked.
type BlockedError struct {
	Decision *Decision
}

func (e *BlockedError) Error() string {
	return "vigil: request blocked (" + e.Decision.Scope + ": " + e.Decision.Reason + ")"
}

// Is makes errors.Is(err, ErrBlocked) true.
func (e *BlockedError) Is(target error) bool { return target == ErrBlocked }

// ValidationError reports invalid identifiers, event names or properties (Code is the stable
// name, e.g. "duplicate_key"), or a configuration error.
type ValidationError = native.Error
