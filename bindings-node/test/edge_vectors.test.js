'use strict';
// The shared edge vectors (tests/vectors/client_ip.json, block_response.json) through the
// Node adapter: a request as Node gives it (socket address, headersDistinct) and a response
// the block is written to.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vigil = require('..');
const native = require('../lib/native');
const context = require('../lib/context');
const block = require('../lib/block');

const dir = path.resolve(__dirname, '..', '..', 'tests', 'vectors');
const load = (name) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')).cases;
const ipCases = load('client_ip.json');
const blockCases = load('block_response.json');

function fakeRequest(peer, headers) {
  const distinct = {};
  const joined = {};
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    (distinct[key] = distinct[key] || []).push(value);
    joined[key] = key in joined ? `${joined[key]}, ${value}` : value;
  }
  return {
    socket: { remoteAddress: peer === null ? undefined : peer },
    headers: joined,
    headersDistinct: distinct,
    method: 'GET',
    url: '/',
  };
}

test('there are enough cases', () => {
  assert.ok(ipCases.length >= 60 && blockCases.length >= 25);
});

for (const c of ipCases) {
  test(`client ip: ${c.name}`, () => {
    vigil.start({ ...c.settings });
    const req = fakeRequest(c.peer, c.headers);
    const ip = native.requestInfo(context.stateOf(req).native).ip;
    assert.equal(ip === undefined ? null : ip, c.want);
  });
}

for (const c of blockCases) {
  test(`block response: ${c.name}`, () => {
    vigil.start({ ...c.settings });
    const written = { headers: [] };
    const res = {
      writableEnded: false,
      headersSent: false,
      set statusCode(s) {
        written.status = s;
      },
      setHeader(k, v) {
        written.headers.push([k, String(v)]);
      },
      end(body) {
        written.body = body === undefined ? '' : Buffer.from(body).toString('utf8');
      },
    };
    const req = { headers: c.accept === null ? {} : { accept: c.accept } };
    const d = c.decision;
    block.send(req, res, {
      id: d.id,
      reason: d.reason,
      redirectUrl: d.redirect_url === null ? undefined : d.redirect_url,
    });
    assert.deepEqual(written, c.want);
  });
}
