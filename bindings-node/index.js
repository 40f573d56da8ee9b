'use strict';
// vigil-sdk: account-takeover protection on Vigil's Rust core, with the surface of Sqreen's
// Node.js SDK (signup_track, auth_track, identify, userIsBanned, track, middleware), and the
// verdicts of docs/verdicts.md (assess, challenge_track).

const client = require('./lib/client');
const api = require('./lib/api');
const { middleware } = require('./lib/middleware');
const passport = require('./lib/passport');
const native = require('./lib/native');

module.exports = {
  start: client.start,
  signup_track: api.signup_track,
  auth_track: api.auth_track,
  identify: api.identify,
  userIsBanned: api.userIsBanned,
  assess: api.assess,
  challenge_track: api.challenge_track,
  track: api.track,
  alias: api.alias,
  normalize: api.normalize,
  flush: client.flush,
  close: client.close,
  stats: client.stats,
  middleware,
  /** Wraps a passport strategy class by hand (automatic mode finds the installed ones). */
  instrumentPassport: passport.wrap,
  /** Is this process's client running in local mode (no server URL)? */
  isLocal: () => (client.ensure(), native.isLocal()),
  // camelCase spellings, for code that prefers them.
  signupTrack: api.signup_track,
  authTrack: api.auth_track,
  challengeTrack: api.challenge_track,
};
