'use strict';
// Automatic mode for passport-local and passport-http (Basic and Digest).
//
// Approach: wrap `authenticate` on each strategy's prototype. passport calls it on a per-request
// copy of the strategy that carries `success` and `fail`; the wrapper reads the submitted login
// from the request and wraps those two, so every verdict the strategy reaches (after the app's
// verify callback) is tracked as auth_track(req, success, {username: login}). Requests without
// credentials (passport answers 400 or a challenge) are not logins and are not tracked.

const api = require('./api');

const kWrapped = Symbol.for('vigil.passport.wrapped');
const PRIMARY = new Set(['email', 'mail', 'e-mail', 'username', 'login']);

/** Wraps the strategies of passport-local and passport-http as the application resolves them. */
function enable() {
  const local = load('passport-local');
  if (local) wrap(local.Strategy || local, localLogin);
  const http = load('passport-http');
  if (http) {
    if (http.BasicStrategy) wrap(http.BasicStrategy, basicLogin);
    if (http.DigestStrategy) wrap(http.DigestStrategy, digestLogin);
  }
  return Boolean(local || http);
}

// The application's copy, not one that happens to sit next to this package.
function load(name) {
  const paths = [process.cwd()];
  if (require.main && require.main.paths) paths.push(...require.main.paths);
  try {
    return require(require.resolve(name, { paths }));
  } catch {
    return null;
  }
}

/** Wraps one strategy class (exported for apps whose strategies `enable` cannot resolve). */
function wrap(Strategy, loginOf) {
  const proto = Strategy && Strategy.prototype;
  if (!proto || typeof proto.authenticate !== 'function' || proto[kWrapped]) return;
  const original = proto.authenticate;
  proto.authenticate = function vigilAuthenticate(req, options) {
    const ids = attempt(() => loginOf(this, req));
    if (ids) {
      const { success, fail } = this;
      if (typeof success === 'function') {
        this.success = function () {
          record(req, true, ids);
          return success.apply(this, arguments);
        };
      }
      if (typeof fail === 'function') {
        this.fail = function () {
          record(req, false, ids);
          return fail.apply(this, arguments);
        };
      }
    }
    return original.call(this, req, options);
  };
  Object.defineProperty(proto, kWrapped, { value: true });
}

function record(req, success, ids) {
  // A login the core rejects (say an identifier over 1 KiB) must not break the login flow.
  attempt(() => api.auth_track(req, success, ids));
}

function attempt(fn) {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

// passport-local reads `usernameField` from the body, else the query ('a[b]' nests).
function localLogin(strategy, req) {
  const field = strategy._usernameField || 'username';
  const login = lookup(req.body, field) ?? lookup(req.query, field);
  if (typeof login !== 'string' || login === '') return undefined;
  const key = PRIMARY.has(field.toLowerCase()) ? field.toLowerCase() : 'username';
  return { [key]: login };
}

function lookup(obj, field) {
  if (!obj || typeof obj !== 'object') return undefined;
  const parts = field.split(/\[|\]/).filter(Boolean);
  let v = obj;
  for (const p of parts) {
    if (!v || typeof v !== 'object') return undefined;
    v = v[p];
  }
  return v;
}

function basicLogin(_strategy, req) {
  const m = /^\s*basic\s+(\S+)\s*$/i.exec(authorization(req));
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const login = colon === -1 ? '' : decoded.slice(0, colon);
  return login ? { username: login } : undefined;
}

function digestLogin(_strategy, req) {
  const header = authorization(req);
  if (!/^\s*digest\s/i.test(header)) return undefined;
  const m = /(?:^|[\s,])username\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/i.exec(
    header.replace(/^\s*digest/i, ''),
  );
  const login = m ? (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]) : '';
  return login ? { username: login } : undefined;
}

function authorization(req) {
  const h = req.headers && req.headers.authorization;
  return typeof h === 'string' ? h : '';
}

module.exports = { enable, wrap, localLogin, basicLogin, digestLogin };
