'use strict';
// The seed's Express example (examples/express.js) works as documented.

const test = require('node:test');
const assert = require('node:assert/strict');
const vigil = require('..');
const app = require('../examples/express');
const { receiver, listen, waitFor } = require('./helpers');

test('the seed example: signup, login, identify, and a ban from the server', async () => {
  const rcv = await receiver();
  vigil.start({ url: rcv.url, token: 't', flush_interval_ms: 50, decisions_wait_s: 0 });
  const server = await listen(app);
  try {
    const post = (path, body) =>
      fetch(server.url + path, { method: 'POST', body: new URLSearchParams(body) });
    assert.equal((await post('/signup', { username: 'alice', password: 'pw' })).status, 200);
    assert.equal((await post('/login', { username: 'alice', password: 'pw' })).status, 200);
    assert.equal((await post('/login', { username: 'alice', password: 'no' })).status, 401);
    const r = await fetch(`${server.url}/account`, { headers: { 'x-user': 'alice' } });
    assert.equal(await r.text(), 'hello alice');
    await vigil.flush();
    assert.deepEqual(
      rcv.events().map((e) => e.type),
      ['signup', 'auth.success', 'auth.failure', 'identify.seen'],
    );
    rcv.ban({ scope: 'user', value: vigil.normalize({ username: 'alice' }).key });
    const blocked = await waitFor(
      async () =>
        (await fetch(`${server.url}/account`, { headers: { 'x-user': 'alice' } })).status === 403,
    );
    assert.equal(blocked, true);
  } finally {
    await server.close();
    await rcv.close();
  }
});
