'use strict';
// Shared test helpers: a stand-in Vigil server, listening apps, child processes.

const http = require('node:http');
const zlib = require('node:zlib');
const path = require('node:path');
const { spawn } = require('node:child_process');

const PKG = path.resolve(__dirname, '..');

/** A local HTTP receiver acting as the Vigil server: records batches, serves decisions. */
async function receiver() {
  const batches = [];
  const feed = { cursor: 0, reset: true, upserts: [], deletes: [] };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url.startsWith('/v1/batch')) {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
        const batch = JSON.parse(body.toString('utf8'));
        batches.push({ headers: req.headers, batch });
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ accepted: batch.events.length, duplicates: 0 }));
      } else if (req.method === 'GET' && req.url.startsWith('/v1/decisions')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(feed));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    batches,
    events: () => batches.flatMap((b) => b.batch.events),
    ban(decision) {
      feed.cursor += 1;
      feed.upserts.push({ id: `d${feed.cursor}`, action: 'block', reason: 'test', ...decision });
    },
    close: () => new Promise((resolve) => server.close(resolve)),
    server,
  };
}

/** Listens on 127.0.0.1:0; returns the base URL and a closer. */
async function listen(app) {
  const server = http.createServer(app);
  server.keepAliveTimeout = 1;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

/** Runs a Node script in a child process; resolves with its exit code, output and duration. */
function runNode(args, options = {}) {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: PKG,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Polls `fn` until it returns truthy or `ms` pass. */
async function waitFor(fn, ms = 2000, step = 20) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, step));
  }
}

module.exports = { PKG, receiver, listen, runNode, waitFor };
