// A tiny SMTP receiver on 127.0.0.1 for the notice tests: EHLO/HELO, MAIL, RCPT, DATA, RSET,
// NOOP, QUIT, enough for lettre (the server's SMTP client). Each message's DATA is kept.
import net from 'node:net';

export async function startSmtp() {
  const mails = [];
  const server = net.createServer((sock) => {
    let buf = '';
    let data = null; // the DATA being received, or null between commands
    sock.write('220 sink ESMTP\r\n');
    sock.on('data', (chunk) => {
      buf += chunk.toString('utf8');
      for (;;) {
        if (data !== null) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          // Dot-stuffing: a line starting with '.' was sent as '..'.
          mails.push((data + buf.slice(0, end + 2)).replace(/\r\n\.\./g, '\r\n.'));
          buf = buf.slice(end + 5);
          data = null;
          sock.write('250 queued\r\n');
          continue;
        }
        const eol = buf.indexOf('\r\n');
        if (eol < 0) return;
        const line = buf.slice(0, eol).toUpperCase();
        buf = buf.slice(eol + 2);
        if (line.startsWith('EHLO') || line.startsWith('HELO')) {
          sock.write('250-sink\r\n250 8BITMIME\r\n');
        } else if (line.startsWith('DATA')) {
          data = '';
          sock.write('354 end with .\r\n');
        } else if (line.startsWith('QUIT')) {
          sock.end('221 bye\r\n');
          return;
        } else {
          sock.write('250 ok\r\n');
        }
      }
    });
    sock.on('error', () => {});
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: server.address().port,
    mails,
    close: () => server.close(),
  };
}

/** Undoes quoted-printable: soft line breaks and =XX escapes. */
export function decodeQp(text) {
  const joined = text.replace(/=\r?\n/g, '');
  return Buffer.from(
    joined.replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))),
    'latin1',
  ).toString('utf8');
}
