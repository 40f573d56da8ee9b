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

/**
 * A client over real HTTP that keeps cookies as a browser does (one value per name), and may
 * come through a proxy (`forwardedFor`, an X-Forwarded-For from the loopback peer).
 */
class Browser {
  constructor(url, forwardedFor) {
    this.url = url;
    this.forwardedFor = forwardedFor;
    this.cookies = new Map();
  }

  async fetch(path, { method = 'GET', json, headers = {} } = {}) {
    const send = { ...headers };
    if (this.cookies.size) {
      send.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    if (this.forwardedFor) send['x-forwarded-for'] = this.forwardedFor;
    let body;
    if (json !== undefined) {
      body = JSON.stringify(json);
      send['content-type'] = 'application/json';
    }
    const r = await fetch(this.url + path, { method, headers: send, body, redirect: 'manual' });
    const setCookies = r.headers.getSetCookie();
    for (const line of setCookies) {
      const eq = line.indexOf('=');
      this.cookies.set(
        line.slice(0, eq).trim(),
        line
          .slice(eq + 1)
          .split(';')[0]
          .trim(),
      );
    }
    const text = await r.text();
    return { status: r.status, setCookies, text, json: () => JSON.parse(text) };
  }

  get(path, headers) {
    return this.fetch(path, { headers });
  }

  post(path, json, headers) {
    return this.fetch(path, { method: 'POST', json, headers });
  }
}

/** Starts the debug vigil-server of `bin` on 127.0.0.1 with a fresh SQLite file and one app. */
async function realServer(bin, admin) {
  const fs = require('node:fs');
  const os = require('node:os');
  const { execFileSync } = require('node:child_process');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-node-'));
  const db = `sqlite://${dir}/vigil.db`;
  const created = execFileSync(bin, ['app', 'create', 'node-sdk', '--db', db], {
    encoding: 'utf8',
  })
    .trim()
    .split('\n');
  const token = created.at(-1);
  const app = Number(/id (\d+)/.exec(created[0])[1]);
  const probe = await listen((req, res) => res.end());
  const port = new URL(probe.url).port;
  await probe.close();
  const child = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--db', db], {
    env: { ...process.env, VIGIL_ADMIN_TOKEN: admin },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  const up = await waitFor(
    () =>
      fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      ),
    20000,
  );
  if (!up) {
    child.kill('SIGKILL');
    throw new Error('vigil-server did not start');
  }
  const auth = { authorization: `Bearer ${admin}` };
  return {
    url,
    token,
    app,
    /** The stored events of type `kind`, oldest first. */
    async events(kind) {
      const r = await fetch(`${url}/api/events?app=${app}&limit=1000`, { headers: auth });
      const rows = await r.json();
      return rows.filter((e) => e.type === kind).sort((a, b) => a.seq - b.seq);
    },
    close() {
      child.kill('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { PKG, receiver, listen, runNode, waitFor, Browser, realServer };
