'use strict';
// Starting (explicitly or lazily on first use), flushing, closing and the exit flush.

const native = require('./native');
const config = require('./settings');

const { settings } = config;
const state = { started: false };
let envApplied = false;

/**
 * Starts Vigil in this process. Core options (url, token, pii, ...) layer over vigil.toml and
 * VIGIL_* variables; without a URL the in-process engine decides (local mode). Returns false
 * when a client already runs in this process (another worker thread started it, say): the
 * running client is kept, only the JS settings of this thread are applied.
 */
function start(options) {
  if (!envApplied) {
    config.applyEnv(process.env);
    envApplied = true;
  }
  const core = config.apply(options);
  const created = native.start(core);
  state.started = true;
  hookExit();
  if (settings.passport) require('./passport').enable();
  return created;
}

/** Lazily starts from the environment and vigil.toml. */
function ensure() {
  if (!state.started) start(undefined);
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

module.exports = { state, start, ensure, flush, close, stats };
