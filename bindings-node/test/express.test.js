'use strict';
// A real Express app over HTTP in local mode: the in-process engine blocks a credential-stuffing
// IP, and the middleware answers 403 in JSON or HTML by Accept.

const test = require('node:test');
const assert = require('node:assert/strict');
const express = require('express');
const vigil = require('..');
const { listen } = require('./helpers');

const ATTACKER = '203.0.113.66';
const seen = {};

const app = express();
app.use(express.json());
app.use(vigil.middleware({ trust_proxy: 'loopback', flush_interval_ms: 50 }));
app.post('/login', (req, res) => {
  const ok = req.body.password === 'right';
  seen.sameApi = req.vigil === req.sqreen;
  req.vigil.auth_track(ok, { username: req.body.username });
  res.status(ok ? 200 : 401).json({ ok });
});
app.post('/signup', (req, res) => {
  // The seed's documented call, inside the middleware: no req argument needed.
  res.json({ queued: vigil.signup_track({ username: req.body.username }) });
});
app.get('/me', (req, res) => {
  req.sqreen.identify({ username: 'alice' });
  if (req.sqreen.userIsBanned()) return;
  seen.trackOk = req.vigil.track('page.view', { properties: { page: 'me' } });
  res.json({
    ip: require('../lib/native').requestInfo(require('../lib/context').current().native).ip,
  });
});

// The same routes with no middleware: identify and userIsBanned take `req` (Express's req.res
// carries the response).
const bare = express();
bare.get('/account', (req, res) => {
  vigil.identify(req, { username: 'mallory' });
  if (vigil.userIsBanned(req)) return;
  res.send('ok');
});

let server;
let bareServer;
test.before(async () => {
  server = await listen(app);
  bareServer = await listen(bare);
});
test.after(async () => {
  await server.close();
  await bareServer.close();
});

const post = (path, body, headers = {}) =>
  fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

test('requests pass, with req.vigil and req.sqreen and the client IP from X-Forwarded-For', async () => {
  let r = await post('/login', { username: 'alice', password: 'right' });
  assert.equal(r.status, 200);
  assert.equal(seen.sameApi, true);
  r = await post('/signup', { username: 'newbie' });
  assert.deepEqual(await r.json(), { queued: true });
  r = await fetch(`${server.url}/me`, {
    headers: { 'x-forwarded-for': '198.51.100.1, 192.0.2.7' },
  });
  assert.equal(r.status, 200);
  // Walked right to left over trusted hops only: 127.0.0.1 is trusted, 192.0.2.7 is not.
  assert.deepEqual(await r.json(), { ip: '192.0.2.7' });
  assert.equal(seen.trackOk, true);
});

test('an untrusted peer cannot choose its IP', async () => {
  const context = require('../lib/context');
  const native = require('../lib/native');
  const req = {
    headers: { 'x-forwarded-for': '1.2.3.4' },
    socket: { remoteAddress: '198.51.100.9' },
  };
  assert.equal(native.requestInfo(context.stateOf(req).native).ip, '198.51.100.9');
});

test('credential stuffing from one IP gets it blocked: 403 JSON or HTML by Accept', async () => {
  const xff = { 'x-forwarded-for': ATTACKER };
  for (let i = 0; i < 20; i++) {
    const r = await post('/login', { username: `victim${i % 6}`, password: 'wrong' }, xff);
    assert.equal(r.status, 401);
  }
  assert.equal(await vigil.flush(), true);
  let r;
  for (let i = 0; i < 50; i++) {
    r = await fetch(`${server.url}/me`, { headers: { ...xff, accept: 'application/json' } });
    if (r.status === 403) break;
    await vigil.flush();
  }
  assert.equal(r.status, 403);
  assert.match(r.headers.get('content-type'), /application\/json/);
  assert.equal((await r.json()).error.code, 'blocked');

  r = await fetch(`${server.url}/me`, { headers: { ...xff, accept: 'text/html,*/*;q=0.8' } });
  assert.equal(r.status, 403);
  assert.match(r.headers.get('content-type'), /text\/html/);
  assert.match(await r.text(), /Access denied/);

  // Other clients are not affected.
  r = await fetch(`${server.url}/me`, { headers: { 'x-forwarded-for': '198.51.100.2' } });
  assert.equal(r.status, 200);
});

test('userIsBanned(req) is true for the blocked IP and has sent the block response', async () => {
  // The bare app trusts the same proxies (a process-wide setting).
  let r = await fetch(`${bareServer.url}/account`, { headers: { 'x-forwarded-for': ATTACKER } });
  assert.equal(r.status, 403);
  assert.match(await r.text(), /Access denied/);
  r = await fetch(`${bareServer.url}/account`, { headers: { 'x-forwarded-for': '198.51.100.3' } });
  assert.equal(r.status, 200);
  assert.equal(await r.text(), 'ok');
});

test('the block response is configurable: status, body, redirect', async () => {
  // The last test: the new options replace the client (and its local engine's bans), so the
  // attacker is banned again under them, then answered with them.
  const stuff = async () => {
    for (let i = 0; i < 20; i++) {
      await post('/login', { username: `victim${i % 6}`, password: 'wrong' }, xffOf(ATTACKER));
    }
    assert.equal(await vigil.flush(), true);
  };
  const xffOf = (ip) => ({ 'x-forwarded-for': ip });
  const until = async (fn) => {
    let r;
    for (let i = 0; i < 50; i++) {
      r = await fn();
      if (r.status !== 200) return r;
      await vigil.flush();
    }
    return r;
  };
  vigil.start({ flush_interval_ms: 50, block: { status: 429, json: { blocked: true } } });
  await stuff();
  let r = await until(() =>
    fetch(`${server.url}/me`, { headers: { ...xffOf(ATTACKER), accept: 'application/json' } }),
  );
  assert.equal(r.status, 429);
  assert.deepEqual(await r.json(), { blocked: true });
  vigil.start({ flush_interval_ms: 50, block: { redirect: 'https://example.com/blocked' } });
  await stuff();
  r = await until(() =>
    fetch(`${server.url}/me`, { headers: xffOf(ATTACKER), redirect: 'manual' }),
  );
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), 'https://example.com/blocked');
});
