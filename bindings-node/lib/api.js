'use strict';
// The Sqreen-compatible surface. Kept thin: arguments are sorted out here; identifiers are read,
// checked and normalized by the core (TypeError for non-strings, RangeError with a `code` for
// invalid identifiers) and events go straight to its queue.

const native = require('./native');
const client = require('./client');
const context = require('./context');
const block = require('./block');
const { callWithIds, flat } = require('./ids');

const { state } = client;

function typeError(message) {
  const e = new TypeError(message);
  e.code = 'invalid_type';
  return e;
}

/** Records a signup. `req` is optional (the current request inside the middleware). */
function signup_track(ids, req) {
  if (!state.started) client.ensure();
  return callWithIds(
    native.signupTrack,
    context.nativeOf(req),
    undefined,
    undefined,
    undefined,
    ids,
  );
}

/**
 * Records a login: `auth_track(success, ids[, options])` or `auth_track(req, success, ids
 * [, options])`. `options.exists` (failures only) says whether the account exists, so
 * enumeration is told apart from brute force; it is never read from `ids`.
 */
function auth_track(a, b, c, d) {
  if (!state.started) client.ensure();
  if (typeof a === 'boolean') {
    return callWithIds(native.authTrack, a, existsOf(c), context.nativeOf(), undefined, b);
  }
  if (typeof b === 'boolean' && context.isRequest(a)) {
    return callWithIds(native.authTrack, b, existsOf(d), context.nativeOf(a), undefined, c);
  }
  throw typeError(
    'auth_track(success, ids) or auth_track(req, success, ids): success must be a boolean',
  );
}

function existsOf(options) {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object') throw typeError('auth_track options must be an object');
  return options.exists;
}

/**
 * Maps the user to the request: `identify(req, ids[, traits])`, or `identify(ids[, traits])`
 * inside the middleware. Traits are checked and not processed (as in Sqreen's SDK).
 */
function identify(req, ids, traits) {
  if (!state.started) client.ensure();
  if (!context.isRequest(req)) {
    traits = ids;
    ids = req;
    req = undefined;
  }
  checkTraits(traits);
  callWithIds(native.identify, context.nativeOf(req), undefined, undefined, undefined, ids);
}

function checkTraits(traits) {
  if (traits === undefined || traits === null) return;
  if (typeof traits !== 'object') throw typeError('traits must be an object of strings');
  for (const k of Object.keys(traits)) {
    if (typeof traits[k] !== 'string')
      throw typeError(`trait ${JSON.stringify(k)} must be a string`);
  }
}

/**
 * True when the request's user (identified on it, else the user who last logged in from its IP)
 * or its IP is blocked; the block response has then been sent and the request ended.
 */
function userIsBanned(req) {
  if (!state.started) client.ensure();
  const s = req == null ? context.current() : context.stateOf(req);
  if (s === undefined || !native.check(s.native)) return false;
  block.send(s.req, s.res, native.decisionOf(s.native, false));
  return true;
}

/**
 * The verdict on a request: `assess(req, ids)`, `assess(ids)` inside the middleware, or with no
 * identifiers for the user `identify` tied to the request (else the user who last logged in
 * from its IP). `{ verdict: 'allow' | 'challenge' | 'deny', reasons, decisionId }` from the
 * decisions held, with the request's IP and device: no event, no I/O.
 */
function assess(req, ids) {
  if (!state.started) client.ensure();
  if (req != null && !context.isRequest(req)) {
    ids = req;
    req = undefined;
  }
  const r = context.nativeOf(req);
  return assessment(
    ids == null
      ? native.assess(r)
      : callWithIds(native.assess, r, undefined, undefined, undefined, ids),
  );
}

/** The native answer (`undefined`, or `[verdict, decisionId, ...reasons]`) as an object. */
function assessment(a) {
  if (a === undefined) return { verdict: 'allow', reasons: [], decisionId: null };
  return { verdict: a[0], reasons: a.slice(2), decisionId: a[1] };
}

/**
 * How the challenge `assess` asked for went: `challenge_track(result, ids)` or
 * `challenge_track(req, result, ids)`, `result` being 'requested', 'succeeded' or 'failed'
 * (anything else throws a RangeError with code 'invalid_challenge_result', and nothing is sent).
 * A success ends the user's challenges and makes the request's device a known one.
 */
function challenge_track(a, b, c) {
  if (!state.started) client.ensure();
  if (context.isRequest(a)) {
    return callWithIds(native.challengeTrack, b, context.nativeOf(a), undefined, undefined, c);
  }
  return callWithIds(native.challengeTrack, a, context.nativeOf(), undefined, undefined, b);
}

/**
 * A custom event: `track(event, { properties, user_identifiers, timestamp, request })`.
 * Returns whether it was queued.
 */
function track(event, options) {
  if (!state.started) client.ensure();
  if (typeof event !== 'string') throw typeError('event name must be a string');
  if (options === undefined || options === null) {
    return native.trackEvent(event, undefined, context.nativeOf(), undefined);
  }
  if (typeof options !== 'object') throw typeError('track options must be an object');
  const props = options.properties;
  const users = flat(options.user_identifiers, 'user_identifiers');
  const ts = timestampOf(options.timestamp);
  const req = context.nativeOf(options.request);
  if (props === undefined || props === null) return native.trackEvent(event, ts, req, users);
  if (typeof props !== 'object' || Array.isArray(props))
    throw typeError('properties must be an object');
  const keys = Object.keys(props);
  switch (keys.length) {
    case 1:
      return native.trackEvent(event, ts, req, users, keys[0], props[keys[0]]);
    case 2:
      return native.trackEvent(
        event,
        ts,
        req,
        users,
        keys[0],
        props[keys[0]],
        keys[1],
        props[keys[1]],
      );
    default:
      return native.trackEvent(event, ts, req, users, ...flat(props));
  }
}

function timestampOf(ts) {
  if (ts === undefined || ts === null) return undefined;
  if (ts instanceof Date) return ts.getTime();
  if (typeof ts === 'number') return ts;
  throw typeError('timestamp must be a Date or milliseconds since the epoch');
}

/** Carries an account's risk from `oldIds` to `newIds` (e.g. after an e-mail change). */
function alias(oldIds, newIds, req) {
  if (!state.started) client.ensure();
  const old = flat(oldIds, 'old identifiers');
  if (old === undefined) throw typeError('old identifiers must be an object of strings');
  return callWithIds(native.alias, context.nativeOf(req), old, undefined, undefined, newIds);
}

/**
 * What the core makes of `ids` (an object, or [key, value] pairs): `{ ids, primary, key }`.
 * `options.pii_secret` / `keep_email_domain` override the client's pseudonymization.
 */
function normalize(ids, options) {
  if (options != null && typeof options !== 'object') throw typeError('options must be an object');
  const secret = options ? options.pii_secret : undefined;
  const keep = options ? options.keep_email_domain : undefined;
  return callWithIds(native.normalize, secret, keep, undefined, undefined, ids);
}

module.exports = {
  signup_track,
  auth_track,
  identify,
  userIsBanned,
  assess,
  challenge_track,
  track,
  alias,
  normalize,
};
