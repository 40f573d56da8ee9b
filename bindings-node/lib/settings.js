'use strict';
// Options the JS layer handles itself (everything else goes to the core, which rejects unknown
// keys): trusted proxies, the block response, passport automatic mode, flush deadlines.

const proxyaddr = require('proxy-addr');

const JS_KEYS = new Set([
  'trust_proxy',
  'block',
  'passport',
  'flush_timeout_ms',
  'exit_flush_timeout_ms',
]);

const DEFAULT_HTML =
  '<!doctype html><html><head><meta charset="utf-8"><title>Access denied</title></head>' +
  '<body><h1>Access denied</h1><p>This request was blocked for security reasons.</p></body></html>';

const settings = {
  /** (addr, hop) => boolean: is this hop a proxy we trust to set X-Forwarded-For? */
  trust: () => false,
  block: {
    status: 403,
    json: { error: 'blocked', message: 'This request was blocked for security reasons.' },
    html: DEFAULT_HTML,
    redirect: undefined,
  },
  passport: false,
  flushTimeoutMs: 5000,
  exitFlushTimeoutMs: 2000,
};

/** Splits `options` into core options (returned) and JS settings (applied now). */
function apply(options) {
  const core = {};
  if (options == null) options = {};
  if (typeof options !== 'object') throw configError(TypeError, 'options must be an object');
  for (const key of Object.keys(options)) {
    if (!JS_KEYS.has(key)) core[key] = options[key];
  }
  if (options.trust_proxy !== undefined) settings.trust = compileTrust(options.trust_proxy);
  if (options.block !== undefined) settings.block = blockSettings(options.block);
  if (options.passport !== undefined) settings.passport = Boolean(options.passport);
  if (options.flush_timeout_ms !== undefined) {
    settings.flushTimeoutMs = millis(options.flush_timeout_ms, 'flush_timeout_ms');
  }
  if (options.exit_flush_timeout_ms !== undefined) {
    settings.exitFlushTimeoutMs = millis(options.exit_flush_timeout_ms, 'exit_flush_timeout_ms');
  }
  return core;
}

/** JS settings from VIGIL_* variables the core does not know (code options override them). */
function applyEnv(env) {
  if (env.VIGIL_TRUST_PROXY) settings.trust = compileTrust(env.VIGIL_TRUST_PROXY.split(','));
  if (env.VIGIL_PASSPORT) settings.passport = /^(1|true|yes|on)$/i.test(env.VIGIL_PASSPORT.trim());
  if (env.VIGIL_BLOCK_STATUS)
    settings.block = blockSettings({ status: Number(env.VIGIL_BLOCK_STATUS) });
  if (env.VIGIL_BLOCK_REDIRECT)
    settings.block = blockSettings({ redirect: env.VIGIL_BLOCK_REDIRECT });
}

/**
 * `trust_proxy`: false (default: the socket address is the client), true (trust every hop),
 * a number (trust that many hops), a proxy-addr network list ('loopback', '10.0.0.0/8', ...,
 * as an array or comma-separated string), or a function (addr, hop) => boolean.
 */
function compileTrust(value) {
  if (value === false || value == null) return () => false;
  if (value === true) return () => true;
  if (typeof value === 'function') return value;
  if (typeof value === 'number') return (_addr, hop) => hop < value;
  const list = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(list))
    throw configError(TypeError, 'trust_proxy must be a boolean, number, list or function');
  const names = list.map((s) => String(s).trim()).filter(Boolean);
  // Throws a TypeError naming a malformed network, at start rather than on a request.
  return proxyaddr.compile(names);
}

function blockSettings(value) {
  if (typeof value !== 'object' || value === null)
    throw configError(TypeError, 'block must be an object');
  const b = { ...settings.block, ...value };
  if (!Number.isInteger(b.status) || b.status < 100 || b.status > 599) {
    throw configError(RangeError, `block.status must be an HTTP status code, got ${b.status}`);
  }
  if (b.redirect !== undefined && typeof b.redirect !== 'string') {
    throw configError(TypeError, 'block.redirect must be a URL string');
  }
  if (typeof b.html !== 'string') throw configError(TypeError, 'block.html must be a string');
  return b;
}

/** JS setting errors carry the core's code for configuration errors. */
function configError(Type, message) {
  const e = new Type(message);
  e.code = 'config';
  return e;
}

function millis(value, name) {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw configError(RangeError, `${name} must be a whole number of milliseconds`);
  }
  return value;
}

module.exports = { settings, apply, applyEnv, compileTrust };
