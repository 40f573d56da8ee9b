// The dashboard in a real headless Chromium (Debian's, driven by playwright-core) against a
// real vigil-server: sign in, find a user by e-mail, open the timeline, ban and unban, resolve
// an incident, refuse posts without the CSRF token and pages without a session. Screenshots of
// every page go to target/browser-artifacts/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { ADMIN, event, eventually, startServer, userKey } from './vigil.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const target = process.env.CARGO_TARGET_DIR ?? path.join(root, 'target');
const BIN = process.env.VIGIL_SERVER_BIN ?? path.join(target, 'debug/vigil-server');
const ARTIFACTS = path.join(target, 'browser-artifacts');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

const ALICE = { email: 'alice@example.com', username: 'alice' };
const VICTIM = { email: 'victim@example.com' };
const ALICE_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const ATTACKER = '203.0.113.66';

let server, browser, context, page, app, token, hook;
const hooks = [];
const pageErrors = [];

/** A screenshot of the whole page; `fullPage: false` keeps the first screen (README images). */
async function shot(name, { fullPage = true } = {}) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage });
}

/** Goes to a dashboard path of the test app. */
async function open(p) {
  const sep = p.includes('?') ? '&' : '?';
  return page.goto(`${server.base}${p}${sep}app=${app}`);
}

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // A webhook receiver: where playbook and test notifications really go.
  hook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push(JSON.parse(body));
      res.end('ok');
    });
  });
  await new Promise((r) => hook.listen(0, '127.0.0.1', r));
  server = await startServer(
    BIN,
    `[notify.targets.default]\nkind = "webhook"\nurl = "http://127.0.0.1:${hook.address().port}/hook"\n`,
  );
  const created = await server.admin('POST', '/api/apps', { name: 'shop' });
  assert.equal(created.status, 201);
  ({ id: app, token } = created.body);

  const now = Date.now();
  const events = [];
  for (let i = 0; i < 3; i++) {
    events.push(
      event('auth.success', ALICE, {
        ip: '198.51.100.10',
        ua: ALICE_UA,
        ts: now - (30 - i) * 60e3,
      }),
    );
  }
  events.push(
    event('auth.failure', ALICE, { ip: '198.51.100.10', ua: ALICE_UA, ts: now - 5 * 60e3 }),
  );
  // Enough users for a second page of 50.
  for (let i = 0; i < 60; i++) {
    const ids =
      i % 3
        ? { email: `user${i}@example.com` }
        : { email: `user${i}@example.com`, username: `member${i}` };
    events.push(event('auth.success', ids, { ip: `192.0.2.${i + 1}`, ts: now - i * 1000 }));
  }
  // Brute force on one account: a signal, risk up by 20, an incident, a ban of the IP.
  for (let i = 0; i < 12; i++) {
    events.push(
      event('auth.failure', VICTIM, { ip: ATTACKER, ts: now - 120e3 + i * 5e3, exists: true }),
    );
  }
  const r = await server.batch(token, events);
  assert.equal(r.status, 202, JSON.stringify(r.body));
  await eventually(
    async () => (await server.admin('GET', `/api/incidents?app=${app}&state=open`)).body.length > 0,
    20000,
    'an incident',
  );
  await eventually(
    async () => (await server.admin('GET', `/api/users?app=${app}&limit=100`)).body.length === 62,
    20000,
    'every user',
  );

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
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  // Console errors (CSP violations among them) fail the run; the one expected is the 401 of
  // the refused sign-in.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().includes('status of 401')) pageErrors.push(m.text());
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  hook?.close();
});

const PAGES = [
  '/',
  '/users',
  `/users/${userKey(ALICE)}`,
  '/incidents',
  '/decisions',
  '/playbooks',
  '/apps',
];

test('every page without a session redirects to the sign-in page, and posts get 401', async () => {
  for (const p of PAGES) {
    await page.goto(server.base + p);
    assert.equal(new URL(page.url()).pathname, '/login', p);
  }
  for (const p of [
    '/decisions',
    '/incidents/i_x/resolve',
    '/apps',
    '/logout',
    '/playbooks/test-notification',
  ]) {
    const r = await fetch(server.base + p, { method: 'POST', redirect: 'manual' });
    assert.equal(r.status, 401, p);
  }
  await shot('login');
});

test('signs in with the admin token only, into an HttpOnly SameSite=Strict session', async () => {
  await page.goto(server.base + '/login');
  await page.fill('input[name=token]', 'not-the-token');
  const refused = page.waitForResponse(
    (r) => r.url().endsWith('/login') && r.request().method() === 'POST',
  );
  await page.click('button:has-text("Sign in")');
  assert.equal((await refused).status(), 401);
  await page.getByText('That is not the admin token.').waitFor();
  assert.equal((await context.cookies()).filter((c) => c.name === 'vigil_session').length, 0);

  // Refused sign-ins are throttled server-wide: three wrong guesses at once take 3 s.
  const guess = async () => {
    const form = await fetch(server.base + '/login');
    const cookie = form.headers.get('set-cookie').split(';')[0];
    const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())[1];
    return fetch(server.base + '/login', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: `csrf=${csrf}&token=guess`,
      redirect: 'manual',
    });
  };
  const t0 = Date.now();
  const answers = await Promise.all([guess(), guess(), guess()]);
  assert.deepEqual(
    answers.map((r) => r.status),
    [401, 401, 401],
  );
  assert.ok(Date.now() - t0 >= 2900, `${Date.now() - t0} ms`);

  await page.fill('input[name=token]', ADMIN);
  await page.click('button:has-text("Sign in")');
  await page.waitForURL(server.base + '/');
  const session = (await context.cookies()).find((c) => c.name === 'vigil_session');
  assert.ok(session);
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');
  await page.locator('h1', { hasText: 'Overview' }).waitFor();
  // The chart is drawn (uPlot's canvas) from the embedded library, and the riskiest user is
  // the brute-forced one.
  await page.locator('.chart canvas').first().waitFor();
  assert.match(await page.locator('table.riskiest').innerText(), /victim@example\.com/);
  await shot('overview');
});

test('finds a user by e-mail and opens their timeline', async () => {
  await open('/users');
  assert.equal(await page.locator('table.users tbody tr').count(), 50);
  await page.getByRole('link', { name: 'Next page' }).click();
  assert.equal(await page.locator('table.users tbody tr').count(), 12);
  await open('/users?sort=risk');
  await shot('users');
  await shot('readme-users', { fullPage: false });

  await page.fill('input[name=q]', 'Alice@Example.com');
  await page.click('button:has-text("Search")');
  const rows = page.locator('table.users tbody tr');
  assert.equal(await rows.count(), 1);
  assert.match(await rows.innerText(), /username: alice/);
  // Any identifier, and its beginning, finds the same user.
  await open('/users?q=ali');
  assert.equal(await page.locator('table.users tbody tr').count(), 1);
  await page.getByRole('link', { name: 'alice@example.com' }).click();
  await page.waitForURL(/\/users\/u_[0-9a-f]{32}/);
  assert.ok(page.url().includes(userKey(ALICE)));

  const timeline = page.locator('table.timeline tbody tr');
  assert.equal(await timeline.count(), 4);
  const text = await page.locator('table.timeline').innerText();
  assert.match(text, /198\.51\.100\.10/);
  assert.ok(text.includes(ALICE_UA));
  assert.match(text, /login succeeded/);
  assert.match(text, /login failed/);
  await page.getByText('No risk recorded').waitFor();
  await shot('user');
});

test('bans the user from their page, the ban reaches /v1/decisions, unban removes it', async () => {
  await open(`/users/${userKey(ALICE)}`);
  await page.selectOption('select[name=duration]', '86400');
  await page.fill('input[name=reason]', 'browser test ban');
  await page.click('button:has-text("Ban this user")');
  await page.getByText('alice@example.com is banned').waitFor();
  assert.match(await page.locator('table.decisions').innerText(), /browser test ban/);

  const feed = await server.decisions(token);
  const ban = feed.upserts.find((d) => d.scope === 'user' && d.value === userKey(ALICE));
  assert.ok(ban, JSON.stringify(feed));
  assert.equal(ban.reason, 'browser test ban');
  assert.deepEqual(ban.ids, ALICE);
  const hours = (Date.parse(ban.expires_at) - Date.now()) / 3600e3;
  assert.ok(hours > 23.9 && hours <= 24, `expires in ${hours} h`);
  await shot('user-banned');

  await page.click('button:has-text("Unban")');
  await page.getByText(`decision ${ban.id} removed`).waitFor();
  const after = await server.decisions(token);
  assert.ok(!after.upserts.some((d) => d.id === ban.id));
});

test('resolves an incident, showing the playbook and signals behind it', async () => {
  await open('/incidents');
  const incident = page.locator('article.incident').first();
  const text = await incident.innerText();
  assert.match(text, /suspicious-user-behaviors: risk rose by 20\.0 within 1 d/);
  assert.match(text, /brute_force \(\+20\.0\)/);
  assert.match(text, /victim@example\.com/);
  await shot('incidents');
  // The user behind it: risk over time, the signal, the failed logins.
  await incident.getByRole('link', { name: 'victim@example.com' }).click();
  await page.locator('.chart canvas').first().waitFor();
  assert.match(await page.locator('main').innerText(), /brute_force/);
  assert.equal(await page.locator('table.timeline tr.failed').count(), 12);
  await shot('user-at-risk');
  await shot('readme-user', { fullPage: false });
  await open('/incidents');
  const id = await incident.getAttribute('id');
  await incident.locator('button:has-text("Resolve")').click();
  await page.getByText(`incident ${id} resolved`).waitFor();
  assert.equal(await page.locator(`article#${id}`).count(), 0);
  const resolved = (await server.admin('GET', `/api/incidents?app=${app}&state=resolved`)).body;
  assert.equal(resolved[0].id, id);
  await open('/incidents?state=resolved');
  await page.locator(`article#${id}`).waitFor();
});

test('rejects form posts without the right CSRF token', async () => {
  const live = (await server.admin('GET', `/api/decisions?app=${app}`)).body.length;
  const post = (p, form) => page.request.post(server.base + p, { form, maxRedirects: 0 });
  for (const form of [
    { app: String(app), scope: 'ip', value: '192.0.2.200' },
    { app: String(app), scope: 'ip', value: '192.0.2.200', csrf: 'forged' },
  ]) {
    assert.equal((await post('/decisions', form)).status(), 403);
  }
  assert.equal((await post(`/users/${userKey(VICTIM)}/ban`, { app: String(app) })).status(), 403);
  assert.equal((await post('/logout', {})).status(), 403);
  // Nothing was created, and the session still works.
  assert.equal((await server.admin('GET', `/api/decisions?app=${app}`)).body.length, live);
  // The sign-in form has its own token (login CSRF), checked against its cookie.
  const login = await fetch(server.base + '/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `token=${ADMIN}`,
    redirect: 'manual',
  });
  assert.equal(login.status, 403);
  await open('/');
  await page.locator('h1', { hasText: 'Overview' }).waitFor();
});

test('adds and removes IP bans; playbook bans show their origin', async () => {
  await open('/decisions');
  const table = page.locator('table.decisions');
  assert.match(
    await table.innerText(),
    new RegExp(`${ATTACKER.replaceAll('.', '\\.')}[^\\n]*playbook block-attacking-ips`),
  );
  await page.selectOption('select[name=scope]', 'cidr');
  await page.fill('input[name=value]', '198.51.100.7/24');
  await page.selectOption('select[name=duration]', '');
  await page.fill('input[name=reason]', 'abusive network');
  await page.click('button:has-text("Add")');
  await page.getByText('cidr 198.51.100.0/24 is banned').waitFor();
  const row = table.locator('tr', { hasText: '198.51.100.0/24' });
  assert.match(await row.innerText(), /never\s+manual\s+abusive network/);
  const feed = await server.decisions(token);
  assert.ok(
    feed.upserts.some(
      (d) => d.scope === 'cidr' && d.value === '198.51.100.0/24' && d.expires_at === null,
    ),
  );
  await shot('decisions');
  await row.locator('button:has-text("Remove")').click();
  await page.getByText(/decision d_[0-9a-f]+ removed/).waitFor();
  assert.equal(await table.locator('tr', { hasText: '198.51.100.0/24' }).count(), 0);
  // A bad value is refused with the reason.
  await page.fill('input[name=value]', 'not an ip');
  await page.click('button:has-text("Add")');
  await page.getByText('value must be an IP address').waitFor();
});

test('playbooks show runs and notification attempts; a test notification is really sent', async () => {
  await open('/playbooks');
  const brute = page.locator('article.playbook', { hasText: 'block-attacking-ips' });
  assert.match(
    await brute.innerText(),
    /signal brute_force or credential_stuffing or account_enumeration/,
  );
  assert.match(await brute.innerText(), /block_ip/);
  // Runs name the user by e-mail, linking to their page.
  await brute.getByRole('link', { name: 'victim@example.com' }).waitFor();
  await page.click('button:has-text("Send a test notification")');
  await page.getByText('test notification queued for default').waitFor();
  const sent = await eventually(() => hooks.find((h) => h.test === true), 10000, 'the webhook');
  assert.equal(sent.playbook, 'dashboard-test');
  await eventually(
    async () => {
      await open('/playbooks');
      return (await page.locator('table.attempts').innerText()).includes(sent.id);
    },
    10000,
    'the attempt on the page',
  );
  assert.match(
    await page.locator('table.attempts tr', { hasText: sent.id }).innerText(),
    /sent\s+200/,
  );
  await shot('playbooks');
});

test('creates an app and shows its token once; counts events per app', async () => {
  await eventually(
    async () => {
      await open('/apps');
      return (await page.locator('table.apps tr', { hasText: 'shop' }).innerText()).includes('76');
    },
    10000,
    'the event count',
  );
  await page.fill('input[name=name]', 'blog');
  await page.click('button:has-text("Create app")');
  const newToken = await page.locator('#new-token').innerText();
  assert.match(newToken, /^vga_[0-9a-f]{64}$/);
  await shot('apps');
  const r = await server.batch(newToken, [
    event('auth.success', { email: 'reader@example.com' }, { ip: '192.0.2.9', ts: Date.now() }),
  ]);
  assert.equal(r.status, 202);
  await page.reload();
  assert.equal(await page.locator('#new-token').count(), 0);
  assert.ok(!(await page.content()).includes(newToken));
});

test('signs out: the session no longer opens pages', async () => {
  await open('/');
  await page.click('button:has-text("Sign out")');
  await page.waitForURL(server.base + '/login');
  await page.goto(server.base + '/users');
  assert.equal(new URL(page.url()).pathname, '/login');
  assert.deepEqual(pageErrors, []);
});
