'use strict';
// A real Express app over HTTP on 127.0.0.1, in local mode: the device cookie (set once, kept,
// replaced when tampered, on block responses too, disabled), assess and challenge_track on a
// client fed decisions, and a lockout raised by a brute force (lock-attacked-accounts enabled
// in vigil.toml) that spares the owner's known device.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const express = require('express');
const vigil = require('..');
const native = require('../lib/native');
const context = require('../lib/context');
const { listen, waitFor, Browser } = require('./helpers');

const SHAPE =
  /^vigil_device=v1\.([0-9a-f]{32})\.[A-Za-z0-9_-]{22}; Path=\/; Max-Age=63072000; HttpOnly; SameSite=Lax$/;
const key = (username) => vigil.normalize({ username }).key;

function feed(...upserts) {
  const doc = { cursor: 1, reset: true, upserts, deletes: [] };
  assert.equal(native._applyFeed(JSON.stringify(doc)), 0);
}

function decision(id, scope, value, extra = {}) {
  return { id, scope, value, action: 'block', reason: id, ...extra };
}

function app() {
  const web = express();
  web.use(express.json());
  web.use(vigil.middleware);
  const device = () => native.requestInfo(context.current().native).device;
  web.get('/device', (req, res) => {
    if (req.query.theme) res.cookie('theme', 'dark'); // the app's own cookie, beside ours
    res.json({ device: device() });
  });
  web.get('/assess', (req, res) => {
    const a = req.query.user ? vigil.assess({ username: req.query.user }) : vigil.assess();
    res.json({ ...a, device: device() });
  });
  web.get('/assess-req', (req, res) => {
    res.json(req.vigil.assess(req.query.user ? { username: req.query.user } : undefined));
  });
  web.post('/login', (req, res) => {
    const ok = req.body.password === 'right';
    req.vigil.auth_track(ok, { username: req.body.username });
    res.status(ok ? 200 : 401).json({ ok, device: device() });
  });
  web.get('/me', (req, res) => {
    req.vigil.identify({ username: req.query.user });
    if (req.vigil.userIsBanned()) return;
    res.json({ hello: req.query.user });
  });
  web.post('/challenge', (req, res) => {
    try {
      res.json({ queued: req.vigil.challenge_track(req.body.result, { username: req.body.user }) });
    } catch (e) {
      res.status(400).json({ error: e.code, type: e.constructor.name });
    }
  });
  return web;
}

let site;
test.before(async () => {
  vigil.start({ flush_interval_ms: 50 });
  site = await listen(app());
});
test.after(() => site.close());

test('the device cookie: set once, kept, replaced when tampered', async () => {
  vigil.start({ flush_interval_ms: 50 });
  const browser = new Browser(site.url);
  let r = await browser.get('/device');
  assert.equal(r.setCookies.length, 1);
  const match = SHAPE.exec(r.setCookies[0]);
  assert.ok(match, r.setCookies[0]);
  const device = match[1];
  assert.equal(r.json().device, device);
  for (let i = 0; i < 3; i++) {
    r = await browser.get('/device');
    assert.deepEqual(r.setCookies, []);
    assert.equal(r.json().device, device);
  }
  const value = browser.cookies.get('vigil_device');
  browser.cookies.set('vigil_device', value.slice(0, -2) + (value.endsWith('AA') ? 'BB' : 'AA'));
  r = await browser.get('/device');
  assert.equal(r.setCookies.length, 1);
  const fresh = SHAPE.exec(r.setCookies[0])[1];
  assert.notEqual(fresh, device);
  assert.equal(r.json().device, fresh);
  assert.deepEqual((await browser.get('/device')).setCookies, []);
  assert.notEqual((await new Browser(site.url).get('/device')).json().device, device);
  // The app's own cookies go out beside it.
  r = await new Browser(site.url).get('/device?theme=1');
  assert.deepEqual(r.setCookies.map((c) => c.split('=')[0]).sort(), ['theme', 'vigil_device']);
});

test('the block response carries the cookie', async () => {
  vigil.start({ flush_interval_ms: 50 });
  const known = new Browser(site.url, '203.0.113.50');
  await known.get('/device');
  feed(decision('d_ip', 'ip', '203.0.113.50'));
  const json = { accept: 'application/json' };
  let r = await known.get('/device', json);
  assert.equal(r.status, 403);
  assert.deepEqual(r.setCookies, []);
  r = await new Browser(site.url, '203.0.113.50').get('/device', json);
  assert.equal(r.status, 403);
  assert.equal(r.json().error.reference, 'd_ip');
  assert.equal(r.setCookies.length, 1);
  assert.ok(SHAPE.test(r.setCookies[0]));
  // userIsBanned's block response too (a user block found in the handler).
  feed(decision('d_m', 'user', key('mallory')));
  r = await new Browser(site.url).get('/me?user=mallory', json);
  assert.equal(r.status, 403);
  assert.equal(r.json().error.reference, 'd_m');
  assert.equal(r.setCookies.length, 1);
});

test('device_cookie = "" disables it', async () => {
  vigil.start({ flush_interval_ms: 50, device_cookie: '' });
  const browser = new Browser(site.url);
  for (let i = 0; i < 2; i++) {
    const r = await browser.get('/device');
    assert.deepEqual(r.setCookies, []);
    assert.equal(r.json().device, null);
  }
  vigil.start({ device_cookie: 'dev', device_cookie_secure: true, device_cookie_max_age: '1h' });
  const r = await new Browser(site.url).get('/device');
  assert.match(
    r.setCookies[0],
    /^dev=v1\..*; Path=\/; Max-Age=3600; HttpOnly; SameSite=Lax; Secure$/,
  );
  assert.throws(
    () => vigil.start({ device_cookie: '__Host-dev' }),
    (e) => e.code === 'config',
  );
});

test('assess on a live client: deny, challenge, the exemption, the stand-in, a challenge ended', async () => {
  vigil.start({ flush_interval_ms: 50 });
  const laptop = new Browser(site.url);
  const known = (await laptop.get('/device')).json().device;
  feed(
    decision('d_alice', 'user', key('alice'), { reason: 'manual' }),
    decision('c_bob', 'user', key('bob'), { action: 'challenge', reason: 'new_country' }),
    decision('d_carol', 'user', key('carol'), { except_devices: [known], reason: 'lockout' }),
    decision('c_ip', 'ip', '203.0.113.9', { action: 'challenge', reason: 'hosting' }),
  );
  assert.deepEqual((await laptop.get('/assess?user=alice')).json(), {
    verdict: 'deny',
    reasons: ['manual'],
    decisionId: 'd_alice',
    device: known,
  });
  assert.deepEqual((await laptop.get('/assess-req?user=bob')).json(), {
    verdict: 'challenge',
    reasons: ['new_country'],
    decisionId: 'c_bob',
  });
  // The lockout spares the device it names, and only that one.
  assert.equal((await laptop.get('/assess?user=carol')).json().verdict, 'allow');
  assert.equal((await laptop.get('/me?user=carol')).status, 200);
  const phone = new Browser(site.url);
  const r = (await phone.get('/assess?user=carol')).json();
  assert.deepEqual([r.verdict, r.decisionId], ['deny', 'd_carol']);
  assert.notEqual(r.device, known);
  assert.equal((await phone.get('/me?user=carol')).status, 403);
  // No identifiers: the request's IP, then the user who last logged in from it.
  assert.deepEqual((await new Browser(site.url).get('/assess')).json().verdict, 'allow');
  const hosted = (await new Browser(site.url, '203.0.113.9').get('/assess')).json();
  assert.deepEqual([hosted.verdict, hosted.decisionId], ['challenge', 'c_ip']);
  const alice = (await new Browser(site.url, '203.0.113.9').get('/assess?user=alice')).json();
  assert.deepEqual([alice.verdict, alice.reasons], ['deny', ['manual']]);
  const travel = new Browser(site.url, '198.51.100.20');
  assert.equal((await travel.post('/login', { username: 'bob', password: 'right' })).status, 200);
  assert.equal((await travel.get('/assess')).json().verdict, 'challenge');
  assert.equal((await travel.get('/me?user=bob')).status, 200, 'a challenge is not a block');
  // Bob passes: local mode ends his challenges at the worker's next pass.
  for (const result of ['requested', 'succeeded']) {
    assert.deepEqual((await travel.post('/challenge', { user: 'bob', result })).json(), {
      queued: true,
    });
  }
  assert.ok(
    await waitFor(async () => {
      await vigil.flush();
      return (await travel.get('/assess?user=bob')).json().verdict === 'allow';
    }, 5000),
  );
  assert.equal((await travel.get('/assess')).json().verdict, 'allow');
  assert.equal((await laptop.get('/assess?user=alice')).json().verdict, 'deny');
});

test('assess and challenge_track outside a request, and their errors', () => {
  vigil.start({ flush_interval_ms: 50 });
  assert.deepEqual(vigil.assess({ username: 'nobody' }), {
    verdict: 'allow',
    reasons: [],
    decisionId: null,
  });
  assert.deepEqual(vigil.assess(), vigil.assess(null, { username: 'nobody' }));
  feed(decision('d_r', 'user', key('frank'), { action: 'redirect', url: '/sorry', reason: 'r' }));
  assert.deepEqual(vigil.assess([['username', ' frank ']]), {
    verdict: 'deny',
    reasons: ['r'],
    decisionId: 'd_r',
  });
  const isCode = (Type, code) => (e) => e instanceof Type && e.code === code;
  assert.throws(() => vigil.assess({ username: ' ' }), isCode(RangeError, 'empty_value'));
  assert.throws(() => vigil.assess({ username: 1 }), isCode(TypeError, 'invalid_type'));
  assert.throws(() => vigil.assess('alice'), TypeError);
  const before = vigil.stats().enqueued;
  for (const bad of ['passed', '', 'SUCCEEDED', 'succeeded ']) {
    assert.throws(
      () => vigil.challenge_track(bad, { username: 'alice' }),
      isCode(RangeError, 'invalid_challenge_result'),
    );
  }
  assert.throws(
    () => vigil.challenge_track(true, { username: 'a' }),
    isCode(TypeError, 'invalid_type'),
  );
  assert.throws(() => vigil.challenge_track('failed'), TypeError);
  assert.throws(() => vigil.challenge_track('failed', {}), isCode(RangeError, 'empty'));
  assert.equal(vigil.stats().enqueued, before, 'a refused call queues nothing');
  assert.equal(vigil.challenge_track('requested', { username: 'alice' }), true);
  assert.equal(vigil.challengeTrack('failed', { username: 'alice' }), true);
  const req = { headers: {}, socket: { remoteAddress: '198.51.100.4' } };
  assert.equal(vigil.challenge_track(req, 'succeeded', { username: 'alice' }), true);
  assert.equal(vigil.stats().enqueued, before + 3);
});

test('a bad challenge result inside a handler: the typed error', async () => {
  const r = await new Browser(site.url).post('/challenge', { user: 'alice', result: 'passed' });
  assert.equal(r.status, 400);
  assert.deepEqual(r.json(), { error: 'invalid_challenge_result', type: 'RangeError' });
});

test('local mode: a brute-force lockout spares the victim on their known device', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-lockout-'));
  const toml = path.join(dir, 'vigil.toml');
  fs.writeFileSync(
    toml,
    [
      '[[engine.playbooks]]',
      'name = "lock-attacked-accounts"',
      'trigger = { type = "signal", names = ["brute_force", "distributed_brute_force"] }',
      'actions = [{ type = "block_user", duration = "15m" }]',
      'cooldown = "15m"',
      '',
    ].join('\n'),
  );
  try {
    vigil.start({ flush_interval_ms: 50, config_file: toml });
    const victim = new Browser(site.url, '198.51.100.7');
    assert.equal(
      (await victim.post('/login', { username: 'victim', password: 'right' })).status,
      200,
    );
    assert.equal((await victim.get('/me?user=victim')).status, 200);
    assert.equal(await vigil.flush(), true);
    const attacker = new Browser(site.url, '203.0.113.66');
    for (let i = 0; i < 12; i++) {
      // 403 once the brute force blocked the attacker's address (in the middle of the burst).
      const r = await attacker.post('/login', { username: 'victim', password: 'x' });
      assert.ok([401, 403].includes(r.status), `${r.status}`);
    }
    const other = new Browser(site.url, '198.51.100.8');
    assert.ok(
      await waitFor(async () => {
        await vigil.flush();
        return (await other.get('/me?user=victim')).status === 403;
      }, 5000),
      'the lockout did not come',
    );
    const a = (await other.get('/assess?user=victim')).json();
    assert.deepEqual([a.verdict, a.reasons], ['deny', ['playbook:lock-attacked-accounts']]);
    // The owner, on the device they logged in from, from their usual address.
    assert.equal((await victim.get('/me?user=victim')).status, 200);
    assert.equal((await victim.get('/assess?user=victim')).json().verdict, 'allow');
    // Unidentified at the victim's address, the victim stands in: their device passes, a new
    // one does not.
    assert.equal((await victim.get('/assess')).json().verdict, 'allow');
    const stranger = (await new Browser(site.url, '198.51.100.7').get('/assess')).json();
    assert.deepEqual([stranger.verdict, stranger.decisionId], ['deny', a.decisionId]);
    assert.equal((await attacker.get('/me?user=victim')).status, 403);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
