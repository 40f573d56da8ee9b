'use strict';
// Options the JS layer handles itself (passport automatic mode, flush deadlines); everything
// else goes to the core, which owns the edge settings (trusted_proxies, client_ip_header,
// block_*) and rejects unknown keys. `trust_proxy` and `block` are the older spellings of the
// core's edge options and are translated here.

const JS_KEYS = new Set(['passport', 'flush_timeout_ms', 'exit_flush_timeout_ms']);

const settings = {
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
    if (JS_KEYS.has(key) || options[key] === undefined) continue;
    if (key === 'trust_proxy') core.trusted_proxies = trustedProxies(options.trust_proxy);
    else if (key === 'block') Object.assign(core, blockOptions(options.block));
    else if (key === 'trusted_proxies' && Array.isArray(options[key]))
      core.trusted_proxies = options[key].join(',') || 'none';
    else if (key === 'block_json' && typeof options[key] !== 'string')
      core.block_json = JSON.stringify(options[key]);
    else core[key] = options[key];
  }
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
  if (env.VIGIL_PASSPORT) settings.passport = /^(1|true|yes|on)$/i.test(env.VIGIL_PASSPORT.trim());
}

/** `trust_proxy`: false (none), true (every address), or networks as a list or string. */
function trustedProxies(value) {
  if (value === false || value === null) return 'none';
  if (value === true) return '0.0.0.0/0,::/0';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(String).join(',') || 'none';
  throw configError(
    TypeError,
    'trust_proxy must be a boolean, a list or a string of networks (hop counts and functions ' +
      'are gone: list the proxies in trusted_proxies)',
  );
}

/** `block: { status, json, html, redirect }` as the core's block_* options. */
function blockOptions(value) {
  if (typeof value !== 'object' || value === null)
    throw configError(TypeError, 'block must be an object');
  const out = {};
  if (value.status !== undefined) {
    if (!Number.isInteger(value.status))
      throw configError(
        RangeError,
        `block.status must be an HTTP status code, got ${value.status}`,
      );
    out.block_status = value.status;
  }
  if (value.json !== undefined) out.block_json = JSON.stringify(value.json);
  if (value.html !== undefined) out.block_html = value.html;
  if (value.redirect !== undefined) out.block_redirect = value.redirect;
  return out;
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

module.exports = { settings, apply, applyEnv };
