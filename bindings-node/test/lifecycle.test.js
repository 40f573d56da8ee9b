'use strict';
// One lifecycle, the core's: a pure helper starts nothing, and start() after a lazy start
// applies the new options instead of silently keeping the old client.

const test = require('node:test');
const assert = require('node:assert/strict');
const vigil = require('..');
const native = require('../lib/native');

test('normalize does not start Vigil; start after a lazy start takes the new options', () => {
  vigil.normalize({ email: 'Alice@Example.com' });
  assert.equal(native.isStarted(), false);
  vigil.signup_track({ email: 'alice@example.com' }); // lazy start, local mode
  assert.equal(vigil.isLocal(), true);
  assert.equal(vigil.start({ url: 'http://127.0.0.1:9', token: 't', decisions_wait_s: 0 }), true);
  assert.equal(vigil.isLocal(), false);
  assert.equal(vigil.start({ url: 'http://127.0.0.1:9', token: 't', decisions_wait_s: 0 }), false);
  assert.throws(
    () => vigil.start({ url: 'ftp://nope', token: 't' }),
    (e) => e.code === 'config',
  );
  assert.equal(vigil.isLocal(), false);
});

test('middleware options extend those of an earlier start', () => {
  vigil.start({ url: 'http://127.0.0.1:9', token: 't', decisions_wait_s: 0 });
  vigil.middleware({ trusted_proxies: '10.0.0.0/8' });
  assert.equal(vigil.isLocal(), false, 'the URL of the earlier start was dropped');
  const req = {
    headers: { 'x-forwarded-for': '203.0.113.5' },
    socket: { remoteAddress: '10.1.1.1' },
  };
  const ip = native.requestInfo(require('../lib/context').stateOf(req).native).ip;
  assert.equal(ip, '203.0.113.5', 'the middleware option did not apply');
});
