package sdk

import (
	"github.com/vigil-ato/vigil/go/internal/native"
	"github.com/vigil-ato/vigil/go/internal/reqctx"
)

// Verdict is what Assess says to do with a request.
type Verdict string

const (
	// VerdictAllow lets the request through.
	VerdictAllow Verdict = native.Allow
	// VerdictChallenge asks the user to prove who they are (a second factor, an e-mail code,
	// a captcha), then report how it went with TrackChallenge.
	VerdictChallenge Verdict = native.Challenge
	// VerdictDeny refuses the request: the middleware has answered it with the block response.
	VerdictDeny Verdict = native.Deny
)

// Assessment is the verdict on a request and why.
type Assessment struct {
	Verdict Verdict
	// Reasons are the reasons of the decisions behind the verdict, the user's first, then the
	// IP's (playbook:challenge-new-places, manual...); empty for VerdictAllow.
	Reasons []string
	// DecisionID is the id of the decision that speaks for the verdict (the user's when there
	// is one): the reference the block page shows. "" for VerdictAllow.
	DecisionID string
	// Decision is that decision (nil for VerdictAllow); its Action is "challenge" for
	// VerdictChallenge, "block" or "redirect" for VerdictDeny.
	Decision *Decision
}

var allow = Assessment{Verdict: VerdictAllow}

func assessment(a native.Assessment) Assessment {
	if a.N == 0 {
		return Assessment{Verdict: Verdict(a.Verdict)}
	}
	reasons := make([]string, a.N)
	for i, d := range a.Decisions[:a.N] {
		reasons[i] = d.Reason
	}
	return Assessment{Verdict: Verdict(a.Verdict), Reasons: reasons, DecisionID: a.Decisions[0].ID, Decision: a.Decisions[0]}
}

// answer writes the block response when the verdict is deny.
func answer(rec *reqctx.Record, a Assessment) Assessment {
	if a.Verdict == VerdictDeny && a.Decision != nil {
		rec.MarkBlocked(a.Decision)
	}
	return a
}

// Assess is the verdict on this user in the current request, from the decisions Vigil holds
// (a local read: no network call):
//
//   - VerdictDeny when a block covers the user (unless it exempts the request's device: a
//     lockout spares the owner's known devices) or the request's IP. The middleware has then
//     answered the request with the block response, as for Identify: return at once.
//   - VerdictChallenge when a challenge covers the user or the IP: ask for a second factor and
//     report the outcome with TrackChallenge.
//   - VerdictAllow otherwise.
//
// Invalid identifiers return a *ValidationError (and VerdictAllow), as Identify does; so do
// calls outside a Vigil middleware's request (nil error) or before Vigil starts.
func (u UserContext) Assess() (Assessment, error) {
	rec := u.ctx.rec
	if rec == nil {
		return allow, nil
	}
	a, err := native.AssessUser(u.ids, &rec.Request)
	if err != nil {
		return allow, report(err)
	}
	return answer(rec, assessment(a)), nil
}

// Assess is the verdict on the current request: on the user it was identified as (Identify)
// if any, else on its IP, for which the user who last logged in from it stands in. As
// UserContext.Assess, VerdictDeny means the block response is written. Errors (none come from
// the caller's input) go to the error handler, and the verdict is then VerdictAllow.
func (c Context) Assess() Assessment {
	if c.rec == nil {
		return allow
	}
	var a native.Assessment
	var err error
	if ids := c.rec.User(); ids != nil {
		a, err = native.AssessUser(ids, &c.rec.Request)
	} else {
		a, err = native.AssessKey(nil, &c.rec.Request)
	}
	if err != nil {
		_ = report(err)
		return allow
	}
	return answer(c.rec, assessment(a))
}

// ChallengeResult is how a challenge went, for TrackChallenge.
type ChallengeResult string

const (
	// ChallengeRequested: the app asked the user to prove who they are.
	ChallengeRequested ChallengeResult = "requested"
	// ChallengeSucceeded: the user passed. It ends the user's challenges and makes the
	// request's device one of the user's known devices.
	ChallengeSucceeded ChallengeResult = "succeeded"
	// ChallengeFailed: the user failed. It adds risk and withdraws the device's trust.
	ChallengeFailed ChallengeResult = "failed"
)

// TrackChallenge records how a challenge of this user went (after Assess answered
// VerdictChallenge, or on the app's own initiative), on the request's device. Errors are kept
// (Err) and reported, as with TrackAuth; an unknown result is an invalid_challenge_result one.
func (u UserContext) TrackChallenge(result ChallengeResult) UserContext {
	if u.ctx.rec != nil {
		u.err = report(native.TrackChallenge(string(result), u.ids, &u.ctx.rec.Request))
	}
	return u
}
