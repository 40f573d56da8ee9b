'use strict';
// Automatic mode: logins through real passport-local and passport-http strategies are tracked
// with no Vigil call in the application; the events reach a stand-in server.

const test = require('node:test');
const assert = require('node:assert/strict');
const express = require('express');
const passport = require('passport');
const { Strategy: LocalStrategy } = require('passport-local');
const { BasicStrategy, DigestStrategy } = require('passport-http');
const vigil = require('..');
const { receiver, listen, waitFor } = require('./helpers');

const USERS = { alice: 'right', 'bob@example.com': 'pw' };
const verify = (username, password, done) =>
  done(null, USERS[username] === password ? { id: username } : false);

let server;
let app;
let rcv;

test.before(async () => {
  rcv = await receiver();
  vigil.start({
    url: rcv.url,
    token: 'test-token',
    flush_interval_ms: 50,
    decisions_wait_s: 0,
    passport: true,
  });
  passport.use(new LocalStrategy(verify));
  passport.use('local-email', new LocalStrategy({ usernameField: 'email' }, verify));
  passport.use(new BasicStrategy(verify));
  passport.use(
    new DigestStrategy({ qop: 'auth' }, (username, done) =>
      USERS[username] ? done(null, { id: username }, USERS[username]) : done(null, false),
    ),
  );
  const a = express();
  a.use(express.urlencoded({ extended: false }));
  a.use(passport.initialize());
  const done = (req, res) => res.json({ user: req.user.id });
  a.post('/login', passport.authenticate('local', { session: false }), done);
  a.post('/login-email', passport.authenticate('local-email', { session: false }), done);
  a.get('/basic', passport.authenticate('basic', { session: false }), done);
  a.get('/digest', passport.authenticate('digest', { session: false }), done);
  app = a;
  server = await listen(app);
});
test.after(async () => {
  await server.close();
  await rcv.close();
});

const form = (path, body, headers = {}) =>
  fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body),
  });
const basic = (user, pw) => ({
  authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`,
});

async function eventsFor(login) {
  await vigil.flush();
  return rcv.events().filter((e) => e.user && Object.values(e.user.ids).includes(login));
}

test('passport-local: success and failure are tracked', async () => {
  assert.equal((await form('/login', { username: 'alice', password: 'right' })).status, 200);
  assert.equal((await form('/login', { username: 'alice', password: 'wrong' })).status, 401);
  const events = await waitFor(async () => {
    const e = await eventsFor('alice');
    return e.length >= 2 && e;
  });
  assert.deepEqual(
    events.map((e) => e.type),
    ['auth.success', 'auth.failure'],
  );
  assert.deepEqual(events[0].user.ids, { username: 'alice' });
  assert.equal(events[0].request.ip, '127.0.0.1');
  assert.equal(events[0].request.path, '/login');
});

test('passport-local with usernameField email tracks {email}', async () => {
  assert.equal(
    (await form('/login-email', { email: 'bob@example.com', password: 'nope' })).status,
    401,
  );
  const events = await waitFor(
    async () => (await eventsFor('bob@example.com')).length && eventsFor('bob@example.com'),
  );
  assert.equal(events[0].type, 'auth.failure');
  assert.deepEqual(events[0].user.ids, { email: 'bob@example.com' });
});

test('a request without credentials is not a login', async () => {
  const before = vigil.stats().enqueued;
  assert.equal((await form('/login', {})).status, 400);
  assert.equal((await fetch(`${server.url}/basic`)).status, 401);
  assert.equal(vigil.stats().enqueued, before);
});

test('passport-http Basic: success and failure are tracked', async () => {
  assert.equal(
    (await fetch(`${server.url}/basic`, { headers: basic('alice', 'right') })).status,
    200,
  );
  assert.equal((await fetch(`${server.url}/basic`, { headers: basic('carol', 'x') })).status, 401);
  const carol = await waitFor(async () => (await eventsFor('carol')).length && eventsFor('carol'));
  assert.equal(carol[0].type, 'auth.failure');
  assert.deepEqual(carol[0].user.ids, { username: 'carol' });
});

test('passport-http Digest: the username of the Authorization header is tracked', async () => {
  const header =
    'Digest username="dave", realm="Users", nonce="abc", uri="/digest", response="0", qop=auth, nc=00000001, cnonce="x"';
  const r = await fetch(`${server.url}/digest`, { headers: { authorization: header } });
  assert.equal(r.status, 401);
  const dave = await waitFor(async () => (await eventsFor('dave')).length && eventsFor('dave'));
  assert.equal(dave[0].type, 'auth.failure');
});

test('the login helpers read what passport reads', () => {
  const p = require('../lib/passport');
  assert.deepEqual(
    p.localLogin({ _usernameField: 'user[name]' }, { body: { user: { name: 'x' } } }),
    { username: 'x' },
  );
  assert.equal(p.localLogin({}, { body: {} }), undefined);
  assert.deepEqual(p.basicLogin({}, { headers: basic('a:b', 'c') }), { username: 'a' });
  assert.equal(p.basicLogin({}, { headers: { authorization: 'Bearer x' } }), undefined);
  assert.deepEqual(
    p.digestLogin({}, { headers: { authorization: 'Digest username=eve, realm="r"' } }),
    { username: 'eve' },
  );
});
