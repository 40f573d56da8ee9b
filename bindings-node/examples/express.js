'use strict';
// The seed's Express example, on vigil-sdk: `node examples/express.js` serves it on port 3000.

const express = require('express');
const Sqreen = require('..'); // in an application: require('vigil-sdk')

const users = new Map(); // username -> password (a stand-in for a real user store)

const create_user = function (username, password, callback) {
  users.set(username, password);
  Sqreen.signup_track({ username });
  return callback({ username });
};

const auth_user = function (username, password, callback) {
  const loginSuccess = users.get(username) === password;
  Sqreen.auth_track(loginSuccess, { username });
  return callback(loginSuccess, { username });
};

const app = express();
app.use(express.urlencoded({ extended: false }));
// Register the middleware: request context, client IP, IP blocking, req.sqreen / req.vigil.
app.use(Sqreen.middleware);

app.post('/signup', (req, res) => {
  create_user(req.body.username, req.body.password, (user) => res.json(user));
});

app.post('/login', (req, res) => {
  auth_user(req.body.username, req.body.password, (ok, user) =>
    res.status(ok ? 200 : 401).json({ ok, user: user.username }),
  );
});

// A stand-in session: the user name comes from a header.
app.use((req, res, next) => {
  const username = req.get('x-user');
  if (username) Sqreen.identify(req, { username });
  next();
});

app.get('/account', (req, res) => {
  if (Sqreen.userIsBanned(req)) {
    return; // the block response is sent and `next` is not called
  }
  res.send(`hello ${req.get('x-user') || 'guest'}`);
});

module.exports = app;

if (require.main === module) {
  Sqreen.start({ trust_proxy: 'loopback' });
  app.listen(3000, () => console.log('listening on http://localhost:3000'));
}
