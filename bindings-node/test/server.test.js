'use strict';
// Against a stand-in Vigil server: gzip batches arrive, and a ban published on the decision feed
// shows up in userIsBanned within 2 s.

const test = require('node:test');
const assert = require('node:assert/strict');
const express = require('express');
const vigil = require('..');
const { receiver, listen, waitFor } = require('./helpers');

let rcv;
let server;
test.before(async () => {
  rcv = await receiver();
  vigil.start({ url: rcv.url, token: 'secret-token', flush_interval_ms: 100, decisions_wait_s: 0 });
  const app = express();
  app.use(vigil.middleware);
  app.get('/', (req, res) => {
    req.vigil.identify({ username: req.query.user });
    if (req.vigil.userIsBanned()) return;
    res.send('welcome');
  });
  server = await listen(app);
});
test.after(async () => {
  await server.close();
  await rcv.close();
});

test('batches arrive gzipped, with the token and the SDK', async () => {
  assert.equal(vigil.isLocal(), false);
  vigil.signup_track({ email: 'New@Example.com' });
  vigil.auth_track(false, { username: 'ghost' }, { exists: false });
  vigil.track('order.paid', {
    properties: { amount: 3, currency: 'EUR' },
    user_identifiers: { username: 'alice' },
  });
  assert.equal(await vigil.flush(), true);
  const b = rcv.batches[0];
  assert.equal(b.headers['content-encoding'], 'gzip');
  assert.match(b.headers.authorization, /secret-token/);
  assert.equal(b.batch.sdk.lang, 'node');
  assert.equal(b.batch.sdk.name, 'vigil-node');
  const events = rcv.events();
  assert.deepEqual(
    events.map((e) => e.type),
    ['signup', 'auth.failure', 'custom'],
  );
  assert.deepEqual(events[0].user.ids, { email: 'new@example.com' });
  assert.equal(events[1].exists, false);
  assert.deepEqual(events[2].properties, { amount: 3, currency: 'EUR' });
  assert.equal(vigil.stats().sent, 3);
});

test('a ban on the server blocks the identified user within 2 s', async () => {
  let r = await fetch(`${server.url}/?user=mallory`);
  assert.equal(r.status, 200);
  const t0 = Date.now();
  rcv.ban({ scope: 'user', value: vigil.normalize({ username: 'mallory' }).key });
  const blocked = await waitFor(
    async () => (await fetch(`${server.url}/?user=mallory`)).status === 403,
    2000,
    25,
  );
  assert.equal(blocked, true, 'blocked within 2 s');
  assert.ok(Date.now() - t0 <= 2000);
  r = await fetch(`${server.url}/?user=alice`);
  assert.equal(r.status, 200);
  assert.ok(rcv.events().some((e) => e.type === 'identify.seen'));
});

test('an IP ban blocks every request from it at the middleware', async () => {
  rcv.ban({ scope: 'ip', value: '127.0.0.1' });
  const blocked = await waitFor(
    async () => (await fetch(`${server.url}/?user=alice`)).status === 403,
    2000,
    25,
  );
  assert.equal(blocked, true);
});
