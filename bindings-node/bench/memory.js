'use strict';
// Resident memory of the Node SDK after a million auth_track calls while the server is down
// (`make bench`): the queue is bounded (queue_capacity, 10,000 events by default), so memory
// must stay flat however long the outage lasts. Prints one JSON line. Run with
// `node --expose-gc bench/memory.js` (CALLS to change the count).

const vigil = require('..');

const CALLS = Number(process.env.CALLS || 1000000);
const gc = global.gc || (() => {});

// Nothing listens on port 9: every delivery fails and is retried later.
vigil.start({ url: 'http://127.0.0.1:9', token: 'bench', decisions: false });
const ids = { username: 'alice' };
for (let i = 0; i < 20000; i++) vigil.auth_track(true, ids); // steady state first
gc();
const before = process.memoryUsage().rss;
const t0 = process.hrtime.bigint();
for (let i = 0; i < CALLS; i++) vigil.auth_track(true, ids);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
gc();
const after = process.memoryUsage().rss;
const s = vigil.stats();
console.log(
  JSON.stringify({
    lang: 'node',
    calls: CALLS,
    rss_before_kib: Math.round(before / 1024),
    rss_after_kib: Math.round(after / 1024),
    queued: s.queued,
    dropped: s.dropped,
    seconds,
  }),
);
process.exit(0);
