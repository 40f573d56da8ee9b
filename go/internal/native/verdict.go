package native

/*
#include "vigil.h"
#include "vg_error.h"

// The verdict on a request: of the user ids (with_ids; their key computed here, so the SDK's
// Assess stays one cgo call), else of key (NULL: the IP's stand-in user).
static int32_t vg_assess(const vigil_client *c, int with_ids, const vigil_pair *ids, size_t n,
                         const uint8_t *key, vigil_str ip, vigil_str device, int32_t *verdict,
                         vigil_decision *out, size_t *n_out, char *err, size_t cap) {
	uint8_t computed[16];
	int32_t s = VIGIL_OK;
	if (with_ids) {
		s = vigil_user_key(c, ids, n, computed);
		key = computed;
	}
	if (s == VIGIL_OK) {
		s = vigil_assess(c, key, ip, device, verdict, out, VIGIL_MAX_VERDICT_DECISIONS, n_out);
	}
	vg_copy_error(s, err, cap);
	return s;
}

static int32_t vg_challenge(const vigil_client *c, int32_t result, const vigil_pair *ids, size_t n,
                            const vigil_request *req, vigil_str device, char *err, size_t cap) {
	int32_t s = vigil_challenge_track(c, result, ids, n, req, device);
	vg_copy_error(s, err, cap);
	return s;
}

static int32_t vg_apply(const vigil_client *c, const char *feed, size_t *skipped, char *err, size_t cap) {
	int32_t s = vigil_decisions_apply(c, feed, skipped);
	vg_copy_error(s, err, cap);
	return s;
}
*/
import "C"

import "unsafe"

// Verdicts, as the core names them.
const (
	Allow     = "allow"
	Challenge = "challenge"
	Deny      = "deny"
)

// Assessment is a verdict and the decisions behind it (none for allow), the user's first.
// A value, so that an allow costs no allocation.
type Assessment struct {
	Verdict   string
	Decisions [C.VIGIL_MAX_VERDICT_DECISIONS]*Decision
	N         int
}

// AssessUser is the verdict on a request of the user ids, from the decisions held (no I/O).
// req gives the IP and the device (a user block exempting it does not count).
func AssessUser(ids map[string]string, req *Request) (Assessment, error) {
	return assess(true, ids, nil, req)
}

// AssessKey is AssessUser by user key; nil key: nobody identified, and the user who last
// logged in from the IP stands in.
func AssessKey(key *[16]byte, req *Request) (Assessment, error) {
	return assess(false, nil, key, req)
}

func assess(withIDs bool, ids map[string]string, key *[16]byte, req *Request) (Assessment, error) {
	res := Assessment{Verdict: Allow}
	c, a, call := begin()
	if c == nil {
		return res, ErrNotStarted
	}
	defer call.done()
	var p *C.vigil_pair
	var n C.size_t
	with := C.int(0)
	if withIDs {
		p, n = a.pairs(ids)
		with = 1
	}
	var k *C.uint8_t
	if key != nil {
		k = (*C.uint8_t)(a.alloc(16, 1))
		copy(unsafe.Slice((*byte)(unsafe.Pointer(k)), 16), key[:])
	}
	var ip C.vigil_str
	if req != nil {
		ip = a.str(req.IP)
	}
	verdict := (*C.int32_t)(a.alloc(4, 4))
	nOut := (*C.size_t)(a.alloc(C.sizeof_size_t, 8))
	out := (*C.vigil_decision)(a.alloc(C.VIGIL_MAX_VERDICT_DECISIONS*C.sizeof_vigil_decision, 8))
	if err := a.status(C.vg_assess(c, with, p, n, k, ip, a.device(req), verdict, out, nOut, a.errBuf, errCap)); err != nil {
		return res, err
	}
	res.N = min(int(*nOut), C.VIGIL_MAX_VERDICT_DECISIONS)
	written := unsafe.Slice(out, res.N)
	for i := range written {
		res.Decisions[i] = decisionOf(&written[i])
	}
	switch *verdict {
	case C.VIGIL_DENY:
		res.Verdict = Deny
	case C.VIGIL_CHALLENGE:
		res.Verdict = Challenge
	}
	return res, nil
}

// TrackChallenge records how a challenge went: result "requested", "succeeded" or "failed"
// (anything else is refused by the core with invalid_challenge_result).
func TrackChallenge(result string, ids map[string]string, req *Request) error {
	c, a, call := begin()
	if c == nil {
		return ErrNotStarted
	}
	defer call.done()
	code := C.int32_t(-1)
	switch result {
	case "requested":
		code = C.VIGIL_CHALLENGE_REQUESTED
	case "succeeded":
		code = C.VIGIL_CHALLENGE_SUCCEEDED
	case "failed":
		code = C.VIGIL_CHALLENGE_FAILED
	}
	p, n := a.pairs(ids)
	return a.status(C.vg_challenge(c, code, p, n, a.request(req), a.device(req), a.errBuf, errCap))
}

// ApplyDecisions applies one decision-feed answer (docs/protocol.md) to the running client's
// decisions and returns how many of its upserts could not be applied. For tests.
func ApplyDecisions(feedJSON string) (int, error) {
	c, a, call := begin()
	if c == nil {
		return 0, ErrNotStarted
	}
	defer call.done()
	skipped := (*C.size_t)(a.alloc(C.sizeof_size_t, 8))
	if err := a.status(C.vg_apply(c, a.cstr(feedJSON), skipped, a.errBuf, errCap)); err != nil {
		return 0, err
	}
	return int(*skipped), nil
}
