'use strict';
// The runtime: the worker thread keeps no event loop alive, beforeExit flushes, worker threads
// share the process client, cluster workers each have their own.

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const vigil = require('..');
const { receiver, runNode, PKG } = require('./helpers');

test('a script that tracks exits on its own (local mode)', async () => {
  const r = await runNode([
    '-e',
    `const v = require(${JSON.stringify(PKG)}); v.auth_track(true, { username: 'x' }); console.log('done')`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'done');
  assert.ok(r.ms < 5000, `took ${r.ms} ms`);
});

test('beforeExit flushes pending events to the server', async () => {
  const rcv = await receiver();
  try {
    const script = `const v = require(${JSON.stringify(PKG)});
      v.start({ url: ${JSON.stringify(rcv.url)}, token: 't', flush_interval_ms: 60000 });
      for (let i = 0; i < 5; i++) v.auth_track(false, { username: 'u' + i });`;
    const r = await runNode(['-e', script]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(rcv.events().length, 5);
  } finally {
    await rcv.close();
  }
});

test('an unreachable server delays exit by the exit flush deadline at most', async () => {
  const script = `const v = require(${JSON.stringify(PKG)});
    v.start({ url: 'http://127.0.0.1:9', token: 't', exit_flush_timeout_ms: 500 });
    v.auth_track(true, { username: 'x' });`;
  const r = await runNode(['-e', script]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.ms < 5000, `took ${r.ms} ms`);
});

test('worker threads share the process client and exit cleanly', async () => {
  vigil.start({ flush_interval_ms: 50 });
  const before = vigil.stats().enqueued;
  const code = `const { parentPort } = require('node:worker_threads');
    const v = require(${JSON.stringify(PKG)});
    const created = v.start({ flush_interval_ms: 50 });
    let ok = 0;
    for (let i = 0; i < 10; i++) ok += v.auth_track(true, { username: 'w' + i }) ? 1 : 0;
    try { v.auth_track(true, { username: 1 }) } catch (e) { parentPort.postMessage({ error: e.constructor.name }) }
    parentPort.postMessage({ created, ok, key: v.normalize({ username: 'w' }).key });`;
  const results = await Promise.all(
    [1, 2].map(
      () =>
        new Promise((resolve, reject) => {
          const w = new Worker(code, { eval: true });
          const msgs = [];
          w.on('message', (m) => msgs.push(m));
          w.on('error', reject);
          w.on('exit', (exitCode) => resolve({ exitCode, msgs }));
        }),
    ),
  );
  for (const { exitCode, msgs } of results) {
    assert.equal(exitCode, 0);
    assert.deepEqual(msgs[0], { error: 'TypeError' });
    assert.equal(msgs[1].created, false);
    assert.equal(msgs[1].ok, 10);
    assert.equal(msgs[1].key, vigil.normalize({ username: 'w' }).key);
  }
  assert.equal(vigil.stats().enqueued - before, 20);
  assert.equal(await vigil.flush(), true);
});

test('cluster workers each run their own client', async () => {
  const r = await runNode([path.join(__dirname, 'fixtures', 'cluster.js')]);
  assert.equal(r.code, 0, r.stderr);
  const reports = JSON.parse(r.stdout);
  assert.equal(reports.length, 2);
  for (const s of reports) {
    assert.equal(s.created, true);
    assert.equal(s.enqueued, 3);
    assert.equal(s.sent, 3);
  }
  assert.notEqual(reports[0].pid, reports[1].pid);
});
