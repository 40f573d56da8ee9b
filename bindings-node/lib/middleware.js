'use strict';
// Express/Connect middleware: per-request context in AsyncLocalStorage (client IP, device from
// the signed device cookie, whose Set-Cookie it sends for a fresh device), the IP-block check,
// and `req.vigil` (also `req.sqreen`, for code ported from Sqreen).

const native = require('./native');
const client = require('./client');
const context = require('./context');
const block = require('./block');
const api = require('./api');

/** What `req.vigil` offers: the API bound to this request. */
class RequestApi {
  constructor(req) {
    this.req = req;
  }
  identify(ids, traits) {
    return api.identify(this.req, ids, traits);
  }
  userIsBanned() {
    return api.userIsBanned(this.req);
  }
  signup_track(ids) {
    return api.signup_track(ids, this.req);
  }
  auth_track(success, ids, options) {
    return api.auth_track(this.req, success, ids, options);
  }
  track(event, options) {
    const withRequest = Object.assign({}, options, { request: this.req });
    return api.track(event, withRequest);
  }
  assess(ids) {
    return api.assess(this.req, ids);
  }
  challenge_track(result, ids) {
    return api.challenge_track(this.req, result, ids);
  }
}

/** Adds a header line, keeping those already set (Express's res.append, else Node's). */
function appendHeader(res, name, value) {
  if (typeof res.append === 'function') res.append(name, value);
  else if (typeof res.appendHeader === 'function') res.appendHeader(name, value);
  else {
    const prev = res.getHeader(name);
    res.setHeader(name, prev === undefined ? value : [].concat(prev, value));
  }
}

let warned = false;

function handle(req, res, next) {
  let state;
  try {
    client.ensure();
    state = context.stateOf(req, res, true);
    // A fresh device's cookie goes out with whatever response follows, a block included.
    const setCookie = native.setCookieOf(state.native);
    if (setCookie !== undefined && !res.headersSent) appendHeader(res, 'Set-Cookie', setCookie);
    const api = new RequestApi(req);
    req.vigil = api;
    req.sqreen = api;
    if (native.ipBlocked(state.native)) {
      block.send(req, res, native.decisionOf(state.native, true));
      return;
    }
  } catch (e) {
    // Protection fails open: a broken configuration must not take the application down.
    if (!warned) {
      warned = true;
      process.emitWarning(
        `vigil: middleware disabled for this request: ${e.message}`,
        'VigilWarning',
      );
    }
    next();
    return;
  }
  context.run(state, next);
}

/**
 * `app.use(vigil.middleware)`, or `app.use(vigil.middleware({ trusted_proxies, ... }))` to
 * start with options (those `start` takes), over the options of an earlier `start`.
 */
function middleware(req, res, next) {
  if (typeof next === 'function') return handle(req, res, next);
  client.extend(req);
  return handle;
}

module.exports = { middleware, RequestApi };
