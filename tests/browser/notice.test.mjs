// End-user notices in a real headless Chromium against a real vigil-server: a login from a new
// device e-mails the user (received by a tiny SMTP server, smtp.mjs); the "This was me" link
// opens a confirmation page whose button answers; the same link again says it was used, a
// tampered one that it is not valid; "This wasn't me" on a second notice blocks the user
// (visible in /api/decisions) and calls the app's signed revocation webhook. Screenshots go to
// target/browser-artifacts/notice-*.png.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { event, eventually, freePort, startServer, userKey } from './vigil.mjs';
import { decodeQp, startSmtp } from './smtp.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const target = process.env.CARGO_TARGET_DIR ?? path.join(root, 'target');
const BIN = process.env.VIGIL_SERVER_BIN ?? path.join(target, 'debug/vigil-server');
const ARTIFACTS = path.join(target, 'browser-artifacts');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const REVOKE_SECRET = 'browser-revoke-secret';
const DEVICE_A = 'a'.repeat(32);
const DEVICE_B = 'b'.repeat(32);

let server, smtp, hook, browser, page, token, app;
const revokes = [];
const pageErrors = [];

async function shot(name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Verifies X-Vigil-Signature as docs/server.md tells receivers to. */
function signed(header, body) {
  const parts = Object.fromEntries((header ?? '').split(',').map((p) => p.split('=', 2)));
  if (!/^\d+$/.test(parts.t ?? '') || Math.abs(Date.now() / 1000 - Number(parts.t)) > 300) {
    return false;
  }
  const expected = createHmac('sha256', REVOKE_SECRET).update(`${parts.t}.`).update(body);
  return expected.digest('hex') === parts.v1;
}

/** Two logins from device A, then one from device B, which is new. */
function newDeviceLogins(ids) {
  const now = Date.now();
  return [
    [DEVICE_A, 180e3],
    [DEVICE_A, 120e3],
    [DEVICE_B, 60e3],
  ].map(([device, ago]) =>
    event('auth.success', ids, { ip: '198.51.100.23', ts: now - ago, device }),
  );
}

/** The decoded e-mail to `address` (waits for it). */
async function mailTo(address) {
  const raw = await eventually(
    () => smtp.mails.find((m) => m.includes(`To: ${address}`)),
    15000,
    `the notice e-mail to ${address}`,
  );
  return decodeQp(raw);
}

/** The link after `label` in the e-mail's text part. */
function linkAfter(mail, label) {
  const start = mail.indexOf(label);
  assert.ok(start >= 0, `${label} in ${mail}`);
  return mail.slice(start + label.length).split(/\s/, 1)[0];
}

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  smtp = await startSmtp();
  hook = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      revokes.push({
        valid: signed(req.headers['x-vigil-signature'], body),
        body: JSON.parse(body),
      });
      res.end('ok');
    });
  });
  await new Promise((r) => hook.listen(0, '127.0.0.1', r));
  // The links carry the server's public URL, so it must know its port before it starts.
  const port = await freePort();
  server = await startServer(
    BIN,
    `[server]
public_url = "http://127.0.0.1:${port}"

[notify]
backoff = "50ms"

[notify.user_email]
host = "127.0.0.1"
port = ${smtp.port}
from = "security@example.com"

[notify.revoke_webhook]
url = "http://127.0.0.1:${hook.address().port}/revoke"
secret = "${REVOKE_SECRET}"

[[engine.playbooks]]
name = "notify-new-places"
enabled = true
trigger = { type = "signal", names = ["new_device", "new_country"] }
actions = [{ type = "notify_user" }]
cooldown = "1h"
`,
    { listen: `127.0.0.1:${port}` },
  );
  const created = await server.admin('POST', '/api/apps', { name: 'shop' });
  assert.equal(created.status, 201);
  ({ id: app, token } = created.body);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 900, height: 640 } });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  // Console errors (CSP violations among them) fail the run, except the refusals' own
  // statuses, which Chromium reports as failed loads.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4(00|10)/.test(m.text())) pageErrors.push(m.text());
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  hook?.close();
  smtp?.close();
});

test('"This was me": the link confirms, the button answers, the link is then used up', async () => {
  const alice = { email: 'alice@example.com' };
  assert.equal((await server.batch(token, newDeviceLogins(alice))).status, 202);
  const mail = await mailTo('alice@example.com');
  assert.match(mail, /Subject: New sign-in to your account/);
  assert.match(mail, /198\.51\.100\.x/);
  const me = linkAfter(mail, 'This was me: ');
  assert.ok(me.startsWith(`${server.base}/notice/`), me);

  const shown = await page.goto(me);
  assert.equal(shown.status(), 200);
  assert.equal(shown.headers()['cache-control'], 'no-store');
  assert.equal(shown.headers()['referrer-policy'], 'no-referrer');
  await page.getByRole('heading', { name: 'Was it you?' }).waitFor();
  await shot('notice-confirm');

  const answered = page.waitForResponse((r) => r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Yes, this was me' }).click();
  assert.equal((await answered).status(), 200);
  await page.getByText('Confirmed: this was you.').waitFor();
  await shot('notice-done');
  // The passed challenge is in the user's timeline once the engine runner has processed it.
  await eventually(
    async () =>
      (await server.admin('GET', `/api/events?app=${app}&user=${userKey(alice)}`)).body.some(
        (e) => e.type === 'challenge' && e.event.result === 'succeeded',
      ),
    10000,
    'the challenge event',
  );

  const again = await page.goto(me);
  assert.equal(again.status(), 410);
  await page.getByText('This link was already used.').waitFor();
  await shot('notice-used');

  // One character of the token changed.
  const i = me.length - 10;
  const tampered = me.slice(0, i) + (me[i] === 'x' ? 'y' : 'x') + me.slice(i + 1);
  const refused = await page.goto(tampered);
  assert.equal(refused.status(), 400);
  await page.getByText('This link is not valid.').waitFor();
  assert.ok(!(await page.content()).includes('alice'), 'the refusal names no one');
  await shot('notice-invalid');
});

test('"This wasn\'t me": the user is blocked and the app asked to end their sessions', async () => {
  const bob = { email: 'bob@example.com' };
  assert.equal((await server.batch(token, newDeviceLogins(bob))).status, 202);
  const notMe = linkAfter(await mailTo('bob@example.com'), "This wasn't me: ");
  assert.equal((await page.goto(notMe)).status(), 200);
  await page.getByRole('heading', { name: 'Secure your account' }).waitFor();
  await shot('notice-not-me');
  await page.getByRole('button', { name: "This wasn't me" }).click();
  await page.getByRole('heading', { name: 'Account secured' }).waitFor();
  await shot('notice-secured');

  const key = userKey(bob);
  const decisions = (await server.admin('GET', `/api/decisions?app=${app}`)).body;
  const block = decisions.find((d) => d.value === key);
  assert.ok(block, JSON.stringify(decisions));
  assert.equal(block.scope, 'user');
  assert.equal(block.action, 'block');
  assert.equal(block.reason, 'notice:not_me');
  assert.equal(block.source, 'notice:not_me');

  const call = await eventually(() => revokes[0], 10000, 'the revocation webhook');
  assert.ok(call.valid, 'X-Vigil-Signature verifies');
  assert.equal(call.body.type, 'vigil.revoke_sessions');
  assert.equal(call.body.user, key);
  assert.equal(call.body.ids.email, 'bob@example.com');
  assert.equal(call.body.force_password_reset, true);
  assert.deepEqual(pageErrors, []);
});
