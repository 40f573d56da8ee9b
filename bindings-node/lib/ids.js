'use strict';
// Hands identifier maps to the addon as trailing `key, value` arguments: JS walks the keys (its
// JIT does that best) and the addon reads every argument with one napi call, with no map built
// on either side. Values are type-checked by the addon, which names the offending key.

function invalid(what) {
  const e = new TypeError(`${what} must be an object of strings (or [key, value] pairs)`);
  e.code = 'invalid_type';
  return e;
}

/** fn(a, b, c, d, k1, v1, k2, v2, ...) for the pairs of `ids` (an object or [k, v] pairs). */
function callWithIds(fn, a, b, c, d, ids) {
  if (typeof ids !== 'object' || ids === null) throw invalid('user identifiers');
  if (Array.isArray(ids)) return fn(a, b, c, d, ...flatPairs(ids));
  const keys = Object.keys(ids);
  switch (keys.length) {
    case 1: {
      const k = keys[0];
      return fn(a, b, c, d, k, ids[k]);
    }
    case 2: {
      const k = keys[0];
      const l = keys[1];
      return fn(a, b, c, d, k, ids[k], l, ids[l]);
    }
    default:
      return fn(a, b, c, d, ...flatObject(ids, keys));
  }
}

/** `[k1, v1, k2, v2, ...]` for `ids`, or undefined for no identifiers. */
function flat(ids, what) {
  if (ids === undefined || ids === null) return undefined;
  if (typeof ids !== 'object') throw invalid(what);
  return Array.isArray(ids) ? flatPairs(ids, what) : flatObject(ids, Object.keys(ids));
}

function flatObject(obj, keys) {
  const out = new Array(keys.length * 2);
  for (let i = 0; i < keys.length; i++) {
    out[2 * i] = keys[i];
    out[2 * i + 1] = obj[keys[i]];
  }
  return out;
}

function flatPairs(pairs, what = 'user identifiers') {
  const out = new Array(pairs.length * 2);
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i];
    if (!Array.isArray(p) || p.length !== 2) throw invalid(what);
    out[2 * i] = p[0];
    out[2 * i + 1] = p[1];
  }
  return out;
}

module.exports = { callWithIds, flat, invalid };
