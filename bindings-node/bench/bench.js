'use strict';
// Median ns per call of Vigil's per-request calls, side by side in one run with the `track` of
// @segment/analytics-node and the `capture` of posthog-node; the checks on a request's path
// (userIsBanned, identify, assess) also with 1 000 decisions held. Every SDK points at a closed port
// on 127.0.0.1, so what is measured is the cost on the caller's thread: none of them waits for
// the network. Run with plain node: `node bench/bench.js` (ROUNDS, CALLS to change the size;
// BENCH_JSON=file appends one JSON line per operation, for `make bench`'s summary table).

const { Analytics } = require('@segment/analytics-node');
const { PostHog } = require('posthog-node');
const vigil = require('..');

const CLOSED = 'http://127.0.0.1:9';
const fs = require('node:fs');

const ROUNDS = Number(process.env.ROUNDS || 15);
const CALLS = Number(process.env.CALLS || 20000);

// The queue holds every event of the run, so no call is measured on the cheap "dropped" path.
// VIGIL_BENCH_LOCAL=1 runs Vigil in local mode instead: the in-process engine consumes the events,
// so the queue's memory is recycled rather than grown (no page faults on the caller's thread).
if (process.env.VIGIL_BENCH_LOCAL === '1') vigil.start({ queue_capacity: 10000000 });
else vigil.start({ url: CLOSED, token: 'bench', queue_capacity: 10000000, decisions: false });
const segment = new Analytics({ writeKey: 'bench', host: CLOSED, maxRetries: 0 });
segment.on('error', () => {});
const posthog = new PostHog('phc_bench', { host: CLOSED, fetchRetryCount: 0 });
posthog.on('error', () => {});
const quiet = console.error;

const ids = { username: 'alice' };
const props = { plan: 'pro', amount: 12 };
const req = {
  headers: { 'user-agent': 'bench' },
  method: 'GET',
  url: '/',
  socket: { remoteAddress: '192.0.2.1' },
};
vigil.identify(req, ids);

const cases = [
  {
    name: 'auth_track(true, {username})',
    vigil: () => vigil.auth_track(true, ids),
    segment: () => segment.track({ userId: 'alice', event: 'Login Succeeded' }),
    posthog: () => posthog.capture({ distinctId: 'alice', event: 'Login Succeeded' }),
  },
  {
    name: 'signup_track({username})',
    vigil: () => vigil.signup_track(ids),
    segment: () => segment.track({ userId: 'alice', event: 'Signed Up' }),
    posthog: () => posthog.capture({ distinctId: 'alice', event: 'Signed Up' }),
  },
  {
    name: 'track(event, 2 properties)',
    vigil: () => vigil.track('order.paid', { properties: props }),
    segment: () => segment.track({ userId: 'alice', event: 'order.paid', properties: props }),
    posthog: () => posthog.capture({ distinctId: 'alice', event: 'order.paid', properties: props }),
  },
  {
    name: 'ban check: userIsBanned(req)',
    vigil: () => vigil.userIsBanned(req),
  },
  {
    name: 'identify(req, {username})',
    vigil: () => vigil.identify(req, ids),
  },
  {
    name: 'assess(req, {username})',
    vigil: () => vigil.assess(req, ids),
  },
  {
    name: 'assess(req)',
    vigil: () => vigil.assess(req),
  },
];

// The checks again once the client holds decisions to look through: 1 000 user blocks, none of
// them alice's (above, with none held, a check returns at once).
const HELD = 1000;
const held = (name) => `${name} [${HELD} decisions held]`;
const withDecisions = [
  { name: held('ban check: userIsBanned(req)'), vigil: () => vigil.userIsBanned(req) },
  { name: held('identify(req, {username})'), vigil: () => vigil.identify(req, ids) },
  { name: held('assess(req, {username})'), vigil: () => vigil.assess(req, ids) },
  { name: held('assess(req)'), vigil: () => vigil.assess(req) },
];
function holdDecisions() {
  const upserts = Array.from({ length: HELD }, (_, i) => ({
    id: `d${i}`,
    scope: 'user',
    value: `u_${i.toString(16).padStart(32, '0')}`,
    action: 'block',
    reason: 'bench',
  }));
  require('../lib/native')._applyFeed(
    JSON.stringify({ cursor: 1, reset: true, upserts, deletes: [] }),
  );
}

function round(fn) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) fn();
  return Number(process.hrtime.bigint() - t0) / CALLS;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  console.error = () => {}; // the peers log their failed deliveries
  const sdks = ['vigil', 'segment', 'posthog'];
  const samples = cases.map(() => ({ vigil: [], segment: [], posthog: [] }));
  for (const c of cases) for (const sdk of sdks) if (c[sdk]) round(c[sdk]); // warm-up
  // Interleaved, so a noisy moment on the machine hits every SDK alike; between rounds the event
  // loop runs, where the peers do their batching and sending.
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, c] of cases.entries()) {
      for (const sdk of sdks) {
        if (!c[sdk]) continue;
        samples[i][sdk].push(round(c[sdk]));
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
  holdDecisions();
  const heldSamples = withDecisions.map(() => []);
  for (const c of withDecisions) round(c.vigil); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, c] of withDecisions.entries()) {
      heldSamples[i].push(round(c.vigil));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  for (const [i, c] of withDecisions.entries()) {
    cases.push(c);
    samples.push({ vigil: heldSamples[i], segment: [], posthog: [] });
  }
  console.error = quiet;
  const fmt = (x) => (x === undefined ? 'n/a' : x.toFixed(0));
  const ratio = (a, b) => (a === undefined ? 'n/a' : `${(a / b).toFixed(1)}x`);
  const rows = cases.map((c, i) => {
    const m = Object.fromEntries(sdks.map((s) => [s, c[s] ? median(samples[i][s]) : undefined]));
    if (process.env.BENCH_JSON) {
      const line = { lang: 'node', op: c.name, unit: 'ns/call', ...m };
      fs.appendFileSync(process.env.BENCH_JSON, `${JSON.stringify(line)}\n`);
    }
    return [
      c.name,
      fmt(m.vigil),
      fmt(m.segment),
      fmt(m.posthog),
      ratio(m.segment, m.vigil),
      ratio(m.posthog, m.vigil),
    ];
  });
  const head = [
    'operation (median ns/call)',
    'vigil',
    'segment',
    'posthog',
    'segment/vigil',
    'posthog/vigil',
  ];
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r) =>
    `| ${r.map((x, j) => (j ? x.padStart(widths[j]) : x.padEnd(widths[j]))).join(' | ')} |`;
  console.log(
    `node ${process.version}, ${ROUNDS} rounds x ${CALLS} calls, vigil ${vigil.isLocal() ? 'local mode' : 'at a closed port'}`,
  );
  console.log(line(head));
  console.log(
    `|${widths.map((w, j) => (j ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|')}|`,
  );
  for (const r of rows) console.log(line(r));
  const s = vigil.stats();
  console.log(`vigil: ${s.enqueued} events queued, ${s.dropped} dropped`);
  // Nobody listens on the closed port: stop without waiting for the peers' retries.
  process.exit(0);
}

main();
