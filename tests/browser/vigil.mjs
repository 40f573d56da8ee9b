// A real vigil-server for the browser tests: started on a temporary SQLite file and a free
// loopback port, fed events through POST /v1/batch exactly as an SDK sends them.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ADMIN = 'browser-test-admin-token';

/** The user key of docs/identity.md for already-normalized identifiers. */
export function userKey(ids) {
  const h = createHash('sha256');
  for (const k of Object.keys(ids).sort()) {
    for (const part of [k, ids[k]]) {
      const bytes = Buffer.from(part, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32BE(bytes.length);
      h.update(len);
      h.update(bytes);
    }
  }
  return 'u_' + h.digest('hex').slice(0, 32);
}

function primary(ids) {
  const first = ['email', 'mail', 'e-mail', 'username', 'login'].find((k) => k in ids);
  return first ?? Object.keys(ids).sort()[0];
}

/** A UUIDv7 for `ms`, as SDKs make event ids. */
function uuidv7(ms) {
  const b = randomBytes(16);
  b.writeUIntBE(ms, 0, 6);
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** One event of docs/protocol.md. */
export function event(
  type,
  ids,
  { ip, ua = 'Mozilla/5.0 (browser test)', ts, exists, device } = {},
) {
  const ev = {
    id: uuidv7(ts),
    type,
    ts: new Date(ts).toISOString(),
    user: { ids, key: userKey(ids), primary: primary(ids) },
    request: { ip, user_agent: ua, method: 'POST', path: '/login' },
  };
  if (exists !== undefined) ev.exists = exists;
  if (device !== undefined) ev.request.device = device;
  return ev;
}

/** A free loopback port, for a server that must know its own URL before it starts. */
export async function freePort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

export async function startServer(bin, configToml, { listen = '127.0.0.1:0' } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-browser-'));
  const config = path.join(dir, 'vigil.toml');
  fs.writeFileSync(config, configToml);
  const child = spawn(
    bin,
    ['serve', '--listen', listen, '--db', `sqlite://${dir}/vigil.db`, '--config', config],
    {
      env: { ...process.env, VIGIL_ADMIN_TOKEN: ADMIN, RUST_LOG: 'info,sqlx=warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let log = '';
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 20000);
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const m = /listening.*?addr=(127\.0\.0\.1:\d+)/.exec(log.replace(/\x1b\[[0-9;]*m/g, ''));
      if (m) {
        clearTimeout(timer);
        resolve(`http://${m[1]}`);
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}):\n${log}`)));
  });
  child.stderr.resume();
  return {
    base,
    log: () => log,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
    async admin(method, p, body) {
      const r = await fetch(base + p, {
        method,
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: body && JSON.stringify(body),
      });
      return { status: r.status, body: await r.json().catch(() => null) };
    },
    async batch(token, events) {
      const r = await fetch(base + '/v1/batch', {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          sdk: { name: 'browser-test', version: '0', instance: 'b', lang: 'js' },
          events,
        }),
      });
      return { status: r.status, body: await r.json() };
    },
    async decisions(token) {
      const r = await fetch(base + '/v1/decisions?cursor=0', {
        headers: { authorization: `Bearer ${token}` },
      });
      return r.json();
    },
  };
}

/** Polls `fn` until it returns something truthy (or throws after `ms`). */
export async function eventually(fn, ms = 15000, what = 'condition') {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
