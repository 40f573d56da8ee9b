'use strict';
// Starting (explicitly or lazily on first use), flushing, closing and the exit flush.

const native = require('./native');
const config = require('./settings');

const { settings } = config;
/** `ipHeader`: the header the running client reads client IPs from (cached per start). */
const state = { started: false, ipHeader: 'x-forwarded-for' };
let envApplied = false;
let lastOptions = {};

/**
 * Starts Vigil in this process. Core options (url, token, pii, trusted_proxies, block_*, ...)
 * layer over vigil.toml and VIGIL_* variables; without a URL the in-process engine decides
 * (local mode). A client already running with other options (started lazily, say) is flushed
 * and replaced; bad options throw and leave it running. Returns false when the running client
 * already had exactly these options (another worker thread started it with them).
 */
function start(options) {
  applyEnvOnce();
  const core = config.apply(options);
  const created = native.start(core);
  lastOptions = options == null ? {} : options;
  attach();
  return created;
}

/**
 * `start` with `options` over those of the last `start` on this thread, so
 * `middleware({ trusted_proxies })` after `start({ url, token })` keeps the server.
 */
function extend(options) {
  return start({ ...lastOptions, ...options });
}

/**
 * First use on this thread without `start`: the process's client (started lazily from the
 * environment and vigil.toml, or by another thread) is used as it is, never replaced.
 */
function ensure() {
  applyEnvOnce();
  attach();
}

function applyEnvOnce() {
  if (!envApplied) {
    config.applyEnv(process.env);
    envApplied = true;
  }
}

function attach() {
  state.ipHeader = native.clientIpHeader();
  state.started = true;
  hookExit();
  if (settings.passport) require('./passport').enable();
}

function flush(timeoutMs = settings.flushTimeoutMs) {
  return native.flush(deadline(timeoutMs));
}

/** Flushes within the deadline and stops for good: later events are dropped (and counted). */
function close(timeoutMs = settings.flushTimeoutMs) {
  try {
    ensure();
  } catch (e) {
    return Promise.reject(e);
  }
  return native.close(deadline(timeoutMs));
}

function stats() {
  ensure();
  return JSON.parse(native.statsJson());
}

function deadline(ms) {
  if (!Number.isInteger(ms) || ms < 0 || ms > 0xffffffff) {
    throw new RangeError(`timeout must be a whole number of milliseconds, got ${ms}`);
  }
  return ms;
}

let exitHooked = false;
let flushedThrough = -1;
let exitFlushing = false;

// beforeExit fires whenever the loop runs dry. The flush's own work re-arms it, so flush only
// when events were recorded since the last exit flush: the second round finds none and exits.
function hookExit() {
  if (exitHooked) return;
  exitHooked = true;
  process.on('beforeExit', () => {
    if (exitFlushing || !native.isStarted()) return;
    let enqueued;
    try {
      enqueued = JSON.parse(native.statsJson()).enqueued;
    } catch {
      return;
    }
    if (enqueued === flushedThrough) return;
    flushedThrough = enqueued;
    exitFlushing = true;
    native.flush(settings.exitFlushTimeoutMs).then(
      () => (exitFlushing = false),
      () => (exitFlushing = false),
    );
  });
}

module.exports = { state, start, extend, ensure, flush, close, stats };
