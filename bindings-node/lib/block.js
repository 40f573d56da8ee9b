'use strict';
// The block response: 403 by default, JSON or HTML by the Accept header, or a redirect.

const { settings } = require('./settings');

function send(req, res) {
  if (!res || res.writableEnded) return;
  if (res.headersSent) {
    res.end();
    return;
  }
  const b = settings.block;
  if (b.redirect) {
    res.statusCode = b.status >= 300 && b.status < 400 ? b.status : 302;
    res.setHeader('Location', b.redirect);
    res.setHeader('Cache-Control', 'no-store');
    res.end();
    return;
  }
  const json = prefersJson(req && req.headers ? req.headers.accept : undefined);
  const body = json ? JSON.stringify(b.json) : b.html;
  res.statusCode = b.status;
  res.setHeader(
    'Content-Type',
    json ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
  );
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

/**
 * True when the Accept header ranks JSON above HTML. Each side takes the q of its most specific
 * matching range (RFC 9110); a tie goes to the more specific match, then to HTML.
 */
function prefersJson(accept) {
  if (typeof accept !== 'string' || accept === '') return false;
  const json = { spec: 0, q: 0 };
  const html = { spec: 0, q: 0 };
  for (const part of accept.split(',')) {
    const [range, ...params] = part.split(';');
    const type = range.trim().toLowerCase();
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split('=');
      if (k.trim().toLowerCase() === 'q') q = Number(v);
    }
    if (!(q >= 0 && q <= 1)) q = 0;
    const any = type === '*/*' ? 1 : 0;
    rank(
      json,
      type === 'application/json' || type.endsWith('+json')
        ? 3
        : type === 'application/*'
          ? 2
          : any,
      q,
    );
    rank(html, type === 'text/html' ? 3 : type === 'text/*' ? 2 : any, q);
  }
  if (json.q !== html.q) return json.q > html.q;
  return json.q > 0 && json.spec > html.spec;
}

function rank(side, spec, q) {
  if (spec > side.spec) {
    side.spec = spec;
    side.q = q;
  }
}

module.exports = { send, prefersJson };
