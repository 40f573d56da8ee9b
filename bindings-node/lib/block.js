'use strict';
// Writes the block response the core rendered (status, headers, body) for a decision.

const native = require('./native');

/** Answers `req` blocked by `decision` ({ id, reason, redirectUrl }, from native.decisionOf). */
function send(req, res, decision) {
  if (!res || res.writableEnded) return;
  if (res.headersSent) {
    res.end();
    return;
  }
  const d = decision || { id: '', reason: '' };
  const accept = req && req.headers ? req.headers.accept : undefined;
  const r = native.renderBlock(d.id, d.reason, d.redirectUrl, accept);
  res.statusCode = r.status;
  for (let i = 0; i < r.headers.length; i += 2) res.setHeader(r.headers[i], r.headers[i + 1]);
  res.end(r.body);
}

module.exports = { send };
