'use strict';
// Per-request state: the native request (client IP, device, user agent, method, path; the
// identified user), found from `req` or, inside the middleware, from AsyncLocalStorage.

const { AsyncLocalStorage } = require('node:async_hooks');
const native = require('./native');
const client = require('./client');

const kState = Symbol('vigil.request');
const als = new AsyncLocalStorage();
// Until a middleware runs, no store can exist: skip the lookup on the hot path.
let alsUsed = false;

class RequestState {
  /**
   * `freshDevice`: the caller (the middleware) sends the `Set-Cookie` of a request without a
   * valid device cookie, so such a request gets a fresh device; elsewhere it gets none.
   */
  constructor(req, res, freshDevice) {
    this.req = req;
    this.res = res;
    this.native = native.createRequest(
      peerOf(req),
      forwardedOf(req),
      header(req, 'user-agent'),
      typeof req.method === 'string' ? req.method : undefined,
      pathOf(req),
      header(req, 'cookie'),
      freshDevice === true,
    );
  }
}

function peerOf(req) {
  const socket = req.socket || req.connection;
  const addr = socket ? socket.remoteAddress : undefined;
  return typeof addr === 'string' ? addr : undefined;
}

/**
 * Every line of the header the core reads the client IP from, joined with commas (which its
 * rules read as the same list; a single-value header sent twice is then refused, as it should).
 */
function forwardedOf(req) {
  const name = client.state.ipHeader;
  const lines = req.headersDistinct && req.headersDistinct[name];
  if (Array.isArray(lines)) return lines.join(',');
  const v = req.headers && req.headers[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v.join(',') : undefined;
}

// (Node joins repeated Cookie lines with "; ", as the core reads them.)
function header(req, name) {
  const v = req.headers && req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

// The query string may carry tokens or e-mail addresses: only the path is kept.
function pathOf(req) {
  const url = typeof req.originalUrl === 'string' ? req.originalUrl : req.url;
  if (typeof url !== 'string') return undefined;
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** The state of `req`, created on first use (with or without the middleware). */
function stateOf(req, res, freshDevice) {
  let s = req[kState];
  if (s === undefined) {
    s = new RequestState(req, res || req.res, freshDevice);
    Object.defineProperty(req, kState, { value: s, configurable: true });
  }
  return s;
}

/** The state of the request being handled, if a middleware set one. */
function current() {
  return alsUsed ? als.getStore() : undefined;
}

/** The native request of `req`, else of the current request; undefined outside any. */
function nativeOf(req) {
  if (req == null) {
    const s = current();
    return s === undefined ? undefined : s.native;
  }
  if (typeof req !== 'object') throw new TypeError('req must be an http.IncomingMessage');
  return stateOf(req).native;
}

function run(state, fn) {
  alsUsed = true;
  return als.run(state, fn);
}

/** Does `value` look like an http.IncomingMessage (rather than an identifier map)? */
function isRequest(value) {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof value.headers === 'object' &&
    value.headers !== null
  );
}

module.exports = { stateOf, current, nativeOf, run, isRequest };
