'use strict';
// Against a real vigil-server on 127.0.0.1 (the test command builds it and sets
// VIGIL_SERVER_BIN): a ban made with the server's admin API reaches userIsBanned within 2 s;
// the device cookie's device and challenge_track's events reach the server's store.

const test = require('node:test');
const assert = require('node:assert/strict');
const express = require('express');
const vigil = require('..');
const native = require('../lib/native');
const context = require('../lib/context');
const { listen, waitFor, Browser, realServer } = require('./helpers');

const BIN = process.env.VIGIL_SERVER_BIN;
const ADMIN = 'vigil-test-admin-token-0123456789abcdef';

test(
  'a ban on a real vigil-server blocks the user within 2 s',
  { skip: !BIN && 'VIGIL_SERVER_BIN is not set' },
  async () => {
    const server = await realServer(BIN, ADMIN);
    const { url, token, app } = server;
    try {
      vigil.start({ url, token, flush_interval_ms: 50 });
      const web = express();
      web.use(vigil.middleware);
      web.get('/', (req, res) => {
        req.vigil.identify({ username: req.query.user });
        if (req.vigil.userIsBanned()) return;
        res.send('welcome');
      });
      const site = await listen(web);
      try {
        vigil.auth_track(true, { username: 'mallory' });
        assert.equal(await vigil.flush(), true);
        assert.equal((await fetch(`${site.url}/?user=mallory`)).status, 200);
        await new Promise((r) => setTimeout(r, 300)); // let the long poll settle into its wait
        const ban = await fetch(`${url}/api/decisions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            app,
            scope: 'user',
            ids: { username: 'mallory' },
            reason: 'manual',
          }),
        });
        assert.ok(ban.ok, `ban: ${ban.status}`);
        const t0 = Date.now();
        const blocked = await waitFor(
          () => fetch(`${site.url}/?user=mallory`).then((r) => r.status === 403),
          2000,
          10,
        );
        assert.ok(blocked, 'the ban did not reach the SDK within 2 s');
        assert.ok(Date.now() - t0 < 2000);
        assert.equal((await fetch(`${site.url}/?user=alice`)).status, 200);
      } finally {
        await site.close();
        await vigil.close();
      }
    } finally {
      server.close();
    }
  },
);

test(
  'the device and challenge_track events reach a real vigil-server',
  { skip: !BIN && 'VIGIL_SERVER_BIN is not set' },
  async () => {
    const server = await realServer(BIN, ADMIN);
    try {
      vigil.start({ url: server.url, token: server.token, flush_interval_ms: 50 });
      const web = express();
      web.use(express.json());
      web.use(vigil.middleware);
      web.post('/login', (req, res) => {
        const ok = req.body.password === 'right';
        req.vigil.auth_track(ok, { username: 'alice' });
        res.json({ device: native.requestInfo(context.current().native).device });
      });
      web.post('/challenge', (req, res) => {
        try {
          res.json({ queued: vigil.challenge_track(req.body.result, { username: 'alice' }) });
        } catch (e) {
          res.status(400).json({ error: e.code });
        }
      });
      const site = await listen(web);
      let device;
      try {
        const browser = new Browser(site.url, '198.51.100.23');
        device = (await browser.post('/login', { password: 'wrong' })).json().device;
        assert.match(device, /^[0-9a-f]{32}$/);
        assert.deepEqual((await browser.post('/login', { password: 'right' })).json(), { device });
        for (const result of ['requested', 'succeeded']) {
          assert.deepEqual((await browser.post('/challenge', { result })).json(), { queued: true });
        }
        const enqueued = vigil.stats().enqueued;
        const bad = await browser.post('/challenge', { result: 'passed' });
        assert.equal(bad.status, 400);
        assert.deepEqual(bad.json(), { error: 'invalid_challenge_result' });
        assert.equal(vigil.stats().enqueued, enqueued);
        assert.equal(await vigil.flush(), true);
      } finally {
        await site.close();
      }
      const logins = [
        ...(await server.events('auth.failure')),
        ...(await server.events('auth.success')),
      ];
      assert.deepEqual(
        logins.map((e) => e.event.request.device),
        [device, device],
      );
      const challenges = await server.events('challenge');
      assert.deepEqual(
        challenges.map((e) => [e.event.result, e.event.request.device, e.event.request.ip, e.user]),
        [
          ['requested', device, '198.51.100.23', vigil.normalize({ username: 'alice' }).key],
          ['succeeded', device, '198.51.100.23', vigil.normalize({ username: 'alice' }).key],
        ],
      );
    } finally {
      await vigil.close();
      server.close();
    }
  },
);
