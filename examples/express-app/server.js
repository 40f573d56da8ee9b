'use strict';
// Express + Vigil's Node SDK: the example app of `make demo` and the e2e tests. The same small
// surface as examples/flask-app and examples/go-app:
//
//   POST /signup   form email, password  -> signup_track({email})
//   POST /login    form email, password  -> auth_track(ok, {email})
//   GET  /account  header X-User (a stand-in session) -> identify, 403 when banned
//   GET  /stats    the SDK's counters (JSON)
//   GET  /healthz  ok
//
// Configured by environment: PORT, and the SDK's VIGIL_URL, VIGIL_TOKEN, VIGIL_* options.

const express = require('express');
const vigil = require('vigil-sdk');

const users = new Map(); // email -> password: a stand-in for a real user store

const app = express();
app.use(express.urlencoded({ extended: false }));
// Starts the SDK from VIGIL_* and trusts X-Forwarded-For from loopback only: in this example the
// driver on 127.0.0.1 is the only proxy. The middleware answers blocked IPs with a 403.
app.use(vigil.middleware({ trusted_proxies: 'loopback' }));

const email = (req) => String((req.body && req.body.email) || '').trim();

app.post('/signup', (req, res) => {
  const user = email(req);
  if (!user) return res.status(400).json({ error: 'email required' });
  users.set(user, String(req.body.password || ''));
  req.vigil.signup_track({ email: user });
  res.json({ ok: true, user });
});

app.post('/login', (req, res) => {
  const user = email(req);
  const known = users.has(user);
  const ok = known && users.get(user) === String(req.body.password || '');
  // Failures on accounts that do not exist say so: it feeds enumeration detection.
  req.vigil.auth_track(ok, { email: user }, ok || known ? undefined : { exists: false });
  res.status(ok ? 200 : 401).json({ ok, user: ok ? user : undefined });
});

app.get('/account', (req, res) => {
  const user = req.get('x-user');
  if (!user) return res.status(401).json({ error: 'not logged in' });
  req.vigil.identify({ email: user });
  if (req.vigil.userIsBanned()) return; // the block response (403) is already sent
  res.json({ ok: true, user });
});

app.get('/stats', (req, res) => res.json(vigil.stats()));
app.get('/healthz', (req, res) => res.send('ok'));

const port = Number(process.env.PORT || 8002);
const server = app.listen(port, '127.0.0.1', () =>
  console.log(`express-app: listening on http://127.0.0.1:${port}`),
);

// SIGTERM: stop accepting, deliver what the SDK holds (bounded), then exit.
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  vigil
    .close()
    .catch((e) => console.error(`express-app: vigil close: ${e.message}`))
    .finally(() => process.exit(0));
});
