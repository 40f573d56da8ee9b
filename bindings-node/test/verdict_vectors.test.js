'use strict';
// The shared verdict vectors: tests/vectors/device_cookie.json through the middleware (a request
// as Node gives it, the Set-Cookie it appends to the response), and tests/vectors/assess.json
// through a client fed the vectors' decision feed.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vigil = require('..');
const native = require('../lib/native');
const context = require('../lib/context');

const dir = path.resolve(__dirname, '..', '..', 'tests', 'vectors');
const device = JSON.parse(fs.readFileSync(path.join(dir, 'device_cookie.json'), 'utf8'));
const assess = JSON.parse(fs.readFileSync(path.join(dir, 'assess.json'), 'utf8'));

/** The middleware on a request carrying `cookie`: the request's device and the Set-Cookie. */
function throughMiddleware(cookie) {
  const headers = cookie === null ? {} : { cookie };
  const req = { headers, method: 'GET', url: '/', socket: { remoteAddress: '127.0.0.1' } };
  const appended = [];
  const res = {
    headersSent: false,
    append(name, value) {
      appended.push([name, value]);
    },
  };
  let info;
  vigil.middleware(req, res, () => {
    info = native.requestInfo(context.current().native);
  });
  const setCookie = info.setCookie === null ? undefined : info.setCookie;
  assert.deepEqual(appended, setCookie === undefined ? [] : [['Set-Cookie', setCookie]]);
  return { device: info.device === null ? undefined : info.device, setCookie };
}

test('there are enough cases', () => {
  assert.ok(device.cases.length >= 35 && assess.cases.length >= 30);
});

for (const c of device.cases) {
  test(`device cookie: ${c.name}`, () => {
    vigil.start({ token: c.token === null ? undefined : c.token, ...c.settings });
    const got = throughMiddleware(c.cookie);
    const want = c.want;
    if (want.device === null) {
      assert.deepEqual(got, { device: undefined, setCookie: undefined });
    } else if (want.device === 'new') {
      const { name, suffix } = want.set_cookie;
      assert.match(got.device, /^[0-9a-f]{32}$/);
      assert.ok(got.setCookie.startsWith(`${name}=`) && got.setCookie.endsWith(suffix));
      const value = got.setCookie.slice(name.length + 1, got.setCookie.length - suffix.length);
      assert.ok(value.startsWith(`v1.${got.device}.`));
      // The fresh cookie reads back as the fresh device, and is not set again.
      assert.deepEqual(throughMiddleware(`${name}=${value}`), {
        device: got.device,
        setCookie: undefined,
      });
    } else {
      assert.deepEqual(got, { device: want.device, setCookie: undefined });
    }
  });
}

test('a request seen without the middleware gets a valid cookie device, else none', () => {
  vigil.start({ device_secret: 'correct horse battery staple 42' });
  const fresh = throughMiddleware(null);
  const cookie = fresh.setCookie.split(';')[0];
  const info = (headers) => native.requestInfo(context.stateOf({ headers, socket: {} }).native);
  assert.equal(info({ cookie }).device, fresh.device);
  assert.equal(info({ cookie: 'vigil_device=junk' }).device, null);
  assert.equal(info({}).device, null);
  assert.equal(info({}).setCookie, null);
});

test('assess vectors', async (t) => {
  vigil.start({ flush_interval_ms: 20 });
  assert.equal(native._applyFeed(JSON.stringify(assess.feed)), assess.skipped);
  for (const c of assess.cases) {
    await t.test(c.name, () => {
      assert.deepEqual(native._assessKey(c.user, c.ip, c.device), c.want);
    });
  }
});

test('the test hooks refuse bad input', () => {
  assert.throws(() => native._applyFeed('{not json'), /feed_json/);
  assert.throws(() => native._assessKey('alice', null, null), /user key/);
  assert.throws(() => native._assessKey(null, null, 'ABC'), /device/);
});
