'use strict';
// Every API and its errors, in local mode (no server).

const test = require('node:test');
const assert = require('node:assert/strict');
const vigil = require('..');
const native = require('../lib/native');

const isCode = (Type, code) => (e) => e instanceof Type && e.code === code;

test('start creates the process client once', () => {
  assert.equal(vigil.start({ flush_interval_ms: 50, queue_capacity: 100000 }), true);
  assert.equal(vigil.start({ flush_interval_ms: 50, queue_capacity: 100000 }), false);
  assert.equal(vigil.isLocal(), true);
});

test('start rejects bad options with the core code', () => {
  assert.throws(() => vigil.start({ nope: 1 }), isCode(Error, 'config'));
  assert.throws(() => vigil.start({ gzip: {} }), isCode(TypeError, 'invalid_type'));
  assert.throws(() => vigil.start({ block: { status: 99 } }), isCode(Error, 'config'));
  assert.throws(() => vigil.start({ trusted_proxies: '10.0.0.0/33' }), isCode(Error, 'config'));
  assert.throws(() => vigil.start('x'), TypeError);
});

test('signup_track and auth_track queue events', () => {
  const before = vigil.stats().enqueued;
  assert.equal(vigil.signup_track({ email: 'Alice@Example.com' }), true);
  assert.equal(vigil.auth_track(true, { email: 'alice@example.com' }), true);
  assert.equal(vigil.auth_track(false, { username: 'bob' }), true);
  assert.equal(vigil.auth_track(false, { username: 'nobody' }, { exists: false }), true);
  assert.equal(vigil.auth_track(true, [['username', 'carol']]), true);
  assert.equal(vigil.authTrack(true, { a: '1', b: '2', c: '3' }), true);
  assert.equal(vigil.signupTrack({ username: 'dave' }), true);
  assert.equal(vigil.stats().enqueued - before, 7);
});

test('auth_track(req, success, ids) uses the request', () => {
  const req = fakeReq('198.51.100.4');
  assert.equal(vigil.auth_track(req, true, { username: 'erin' }), true);
  assert.equal(vigil.auth_track(req, false, { username: 'erin' }, { exists: true }), true);
});

test('identifier errors: TypeError for non-strings, RangeError with a code otherwise', () => {
  assert.throws(() => vigil.auth_track(true, { username: 5 }), isCode(TypeError, 'invalid_type'));
  assert.throws(() => vigil.auth_track(true, { username: null }), /"username"/);
  assert.throws(() => vigil.auth_track(true, 'bob'), isCode(TypeError, 'invalid_type'));
  assert.throws(() => vigil.auth_track(true, null), TypeError);
  assert.throws(() => vigil.auth_track('yes', { username: 'x' }), TypeError);
  assert.throws(() => vigil.auth_track(true, {}), isCode(RangeError, 'empty'));
  assert.throws(() => vigil.auth_track(true, { username: ' ' }), isCode(RangeError, 'empty_value'));
  assert.throws(() => vigil.auth_track(true, { ' ': 'x' }), isCode(RangeError, 'empty_key'));
  assert.throws(
    () => vigil.auth_track(true, { Email: 'a', email: 'b' }),
    isCode(RangeError, 'duplicate_key'),
  );
  assert.throws(
    () => vigil.auth_track(true, { 'a\n': 'b' }),
    isCode(RangeError, 'control_character'),
  );
  assert.throws(
    () => vigil.auth_track(true, { k: 'v'.repeat(1025) }),
    isCode(RangeError, 'value_too_long'),
  );
  assert.throws(
    () => vigil.auth_track(true, { ['k'.repeat(65)]: 'v' }),
    isCode(RangeError, 'key_too_long'),
  );
  const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
  assert.throws(() => vigil.signup_track(many), isCode(RangeError, 'too_many_pairs'));
  const lots = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, 'v']));
  assert.throws(() => vigil.signup_track(lots), isCode(RangeError, 'too_many_pairs'));
  assert.throws(() => vigil.auth_track(false, { u: 'x' }, { exists: 'no' }), TypeError);
  assert.throws(() => vigil.auth_track(false, { u: 'x' }, 3), TypeError);
  // A long value read past the stack buffer, and non-ASCII text, still round-trip.
  const long = 'é'.repeat(500);
  assert.equal(vigil.normalize({ k: long }).ids.k, long);
});

test('track returns a boolean and checks its arguments', () => {
  assert.equal(vigil.track('order.paid'), true);
  assert.equal(
    vigil.track('order.paid', {
      properties: { amount: 12.5, currency: 'EUR', gift: false },
      user_identifiers: { username: 'alice' },
      timestamp: new Date(),
      request: fakeReq('192.0.2.1'),
    }),
    true,
  );
  assert.equal(vigil.track('x', { properties: { a: '1' }, timestamp: Date.now() }), true);
  assert.equal(vigil.track('x', { user_identifiers: [['username', 'z']] }), true);
  const sixteen = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`p${i}`, i]));
  assert.equal(vigil.track('x', { properties: sixteen }), true);
  assert.throws(
    () => vigil.track('x', { properties: { ...sixteen, p16: 1 } }),
    isCode(RangeError, 'too_many_properties'),
  );
  assert.throws(() => vigil.track(5), TypeError);
  assert.throws(() => vigil.track('x', 5), TypeError);
  assert.throws(() => vigil.track('', {}), isCode(RangeError, 'event_name_length'));
  assert.throws(() => vigil.track('vigil.login'), isCode(RangeError, 'reserved_event_name'));
  assert.throws(
    () => vigil.track('x', { properties: { a: {} } }),
    isCode(TypeError, 'invalid_type'),
  );
  assert.throws(
    () => vigil.track('x', { properties: { a: Infinity } }),
    isCode(RangeError, 'invalid_property'),
  );
  assert.throws(() => vigil.track('x', { properties: [1] }), TypeError);
  assert.throws(() => vigil.track('x', { timestamp: 5 }), isCode(RangeError, 'invalid_timestamp'));
  assert.throws(
    () => vigil.track('x', { timestamp: new Date('nope') }),
    isCode(RangeError, 'invalid_timestamp'),
  );
  assert.throws(() => vigil.track('x', { timestamp: '2024' }), TypeError);
  assert.throws(() => vigil.track('x', { user_identifiers: { u: 1 } }), TypeError);
});

test('alias, normalize and identify', () => {
  assert.equal(vigil.alias({ email: 'old@example.com' }, { email: 'new@example.com' }), true);
  assert.throws(() => vigil.alias(undefined, { email: 'a@b.c' }), TypeError);
  assert.throws(
    () => vigil.alias({ email: ' ' }, { email: 'a@b.c' }),
    isCode(RangeError, 'empty_value'),
  );
  assert.deepEqual(vigil.normalize({ Email: ' Alice@Example.COM ', uid: '7' }), {
    ids: { email: 'alice@example.com', uid: '7' },
    primary: 'email',
    key: vigil.normalize([
      ['email', 'alice@example.com'],
      ['uid', '7'],
    ]).key,
  });
  assert.throws(() => vigil.normalize({ a: 1 }), TypeError);
  assert.throws(() => vigil.normalize({ a: 'b' }, 'x'), TypeError);
  const req = fakeReq('203.0.113.9');
  assert.equal(vigil.identify(req, { username: 'alice' }, { plan: 'pro' }), undefined);
  const key = vigil.normalize({ username: 'alice' }).key;
  assert.equal(native.requestInfo(require('../lib/context').stateOf(req).native).userKey, key);
  assert.throws(() => vigil.identify(req, { username: 'alice' }, { plan: 1 }), TypeError);
  // Outside a request and a middleware: recorded without a request.
  assert.equal(vigil.identify({ username: 'alice' }), undefined);
});

test('userIsBanned is false for a request nobody blocked', () => {
  const req = fakeReq('203.0.113.10');
  assert.equal(vigil.userIsBanned(req), false);
  assert.equal(vigil.userIsBanned(), false);
  assert.throws(() => native.check({}), TypeError);
});

test('stats reports counters', () => {
  const s = vigil.stats();
  for (const k of ['queued', 'enqueued', 'dropped', 'sent', 'decisions', 'ip_map']) {
    assert.equal(typeof s[k], 'number', k);
  }
});

test('flush resolves on the thread pool; close stops for good', async () => {
  vigil.auth_track(true, { username: 'frank' });
  assert.equal(await vigil.flush(), true);
  assert.equal(vigil.stats().queued, 0);
  assert.throws(() => vigil.flush(-1), RangeError);
  assert.equal(await vigil.close(2000), true);
  assert.equal(vigil.auth_track(true, { username: 'late' }), false);
  assert.ok(vigil.stats().dropped >= 1);
});

test('the ES module exposes the same functions', async () => {
  const esm = await import('../index.mjs');
  assert.equal(esm.auth_track, vigil.auth_track);
  assert.equal(esm.default, vigil);
  assert.equal(typeof esm.middleware, 'function');
});

function fakeReq(ip) {
  return {
    headers: { 'user-agent': 'test' },
    method: 'POST',
    url: '/login?x=1',
    socket: { remoteAddress: ip },
  };
}
