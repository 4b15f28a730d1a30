// `npm run bench`: every benchmark, one after the other, then a summary against the goals of issues 4
// and 26. BENCH_QUICK=1 makes each shorter and smaller, for a smoke run. Each can also run alone:
// node bench/auth.ts, cold.ts, fixed-cost.ts, restart.ts, million.ts, propagation.ts, lists.ts.
import { cpus, loadavg, totalmem } from 'node:os';
import { benchAuth } from './auth.ts';
import { benchCold } from './cold.ts';
import { benchFixedCost } from './fixed-cost.ts';
import { benchLists } from './lists.ts';
import { benchMillion } from './million.ts';
import { benchPropagation } from './propagation.ts';
import { benchRestart } from './restart.ts';
import { QUICK } from './support/quick.ts';
import { line, round, verdict } from './support/stats.ts';

const started = performance.now();
line(
  `Tessera benchmarks: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
);
line(
  'Load generator: autocannon in this process, on 127.0.0.1; servers are real processes (`tessera`, bench/support).',
);
if (QUICK) line("BENCH_QUICK=1: a smoke run, shorter and smaller; its figures are not the goals' measure.");
const load = () =>
  loadavg()
    .map((l) => round(l, 2))
    .join(' ');
line(`Load average before: ${load()} (other work on the machine skews every figure)`);

const auth = await benchAuth('postgres');
const authEmbedded = await benchAuth('pglite');
const cold = await benchCold('postgres');
const coldEmbedded = await benchCold('pglite');
const fixed = await benchFixedCost();
const restart = await benchRestart();
const propagation = await benchPropagation();
const postgres = await benchLists('postgres');
const pglite = await benchLists('pglite');
const million = await benchMillion();

line('\n== Summary ==');
const rows: [string, string, boolean | undefined][] = [
  ...[cold, coldEmbedded].map((c): [string, string, boolean] => [
    `1. cold /api/me, baseline CPU / tessera CPU per request, ${c.engine}`,
    `${round(c.ratio, 2)} (goal >= ${c.goal}; req/s ratio ${round(c.rpsRatio, 2)}; ${Math.round(c.tesseraUs)} vs ${Math.round(c.baselineUs)} µs)`,
    c.ratio >= c.goal,
  ]),
  [
    '2. /healthz, bare Fastify CPU / tessera CPU per request',
    `${round(fixed.healthzRatio, 2)} (goal >= 0.8; req/s ratio ${round(fixed.healthzRpsRatio, 2)})`,
    fixed.healthzRatio >= 0.8,
  ],
  [
    '2. cached /api/me, bare Fastify CPU / tessera CPU per request',
    `${round(fixed.meRatio, 2)} (goal >= 0.7; req/s ratio ${round(fixed.meRpsRatio, 2)})`,
    fixed.meRatio >= 0.7,
  ],
  [
    '2. server CPU per request: bare, tessera /healthz, cached /api/me',
    `${round(fixed.bareUs)}, ${round(fixed.healthzUs)}, ${round(fixed.meUs)} µs`,
    undefined,
  ],
  [
    `3. seed, PostgreSQL, ${million.scale.tokens.toLocaleString('en')} tokens`,
    `${round(million.seedMs / 1000)} s`,
    undefined,
  ],
  [
    `3. list latency p95, PostgreSQL, ${million.scale.tokens.toLocaleString('en')} tokens`,
    `${round(million.worstP95, 1)} ms worst list (goal <= 30 ms)`,
    million.worstP95 <= 30,
  ],
  [
    '3. cache miss p99 (cache full, one at a time, client-side)',
    `${round(million.extra.missP99, 2)} ms (goal <= 5 ms)`,
    million.extra.missP99 <= 5,
  ],
  [
    `3. start-up, PostgreSQL, ${million.scale.tokens.toLocaleString('en')} tokens`,
    `${round(million.startupMs)} ms (goal <= 5000 ms)`,
    million.startupMs <= 5000,
  ],
  [
    `3. resident size after ${million.extra.verified.toLocaleString('en')} distinct tokens`,
    `${round(million.extra.rssMib)} MiB, ${million.extra.cached.toLocaleString('en')} cached (goal <= 512 MiB)`,
    million.extra.rssMib <= 512,
  ],
  [
    '4. restart: longest time at the server of any request',
    `${round(restart.maxMs)} ms, p99 ${round(restart.p99Ms)} ms (goal <= 1000 ms)`,
    restart.maxMs <= 1000,
  ],
  [
    '4. restart: token rows read through their hash',
    `${restart.rowsRead.toLocaleString('en')} for ${restart.tokens.toLocaleString('en')} tokens (goal <= ${restart.tokens.toLocaleString('en')})`,
    restart.rowsRead <= restart.tokens,
  ],
  ...[auth, authEmbedded].flatMap((a): [string, string, boolean][] => [
    [
      `GET /api/me / GET /healthz (req/s, interleaved), ${a.engine}`,
      `${round(a.meRatio, 3)} (goal >= 0.85)`,
      a.meRatio >= 0.85,
    ],
    [
      `GET /auth/check / GET /healthz (req/s, interleaved), ${a.engine}`,
      `${round(a.checkRatio, 3)} (goal >= 0.85)`,
      a.checkRatio >= 0.85,
    ],
    [
      `last-used writes per second under that load, ${a.engine}`,
      `${round(a.lastUsedWritesPerSecond, 2)} (goal <= 1, one per second begun)`,
      a.lastUsedWritesOk,
    ],
  ]),
  [
    'revocation, revoke response to first 401 on the other node',
    `max ${round(propagation.maxMs, 1)} ms over ${propagation.trials} trials (goal <= 1000 ms)`,
    propagation.maxMs <= 1000,
  ],
  [
    'last use from one node shown on the other',
    `max ${round(propagation.lastUsedMaxMs)} ms (goal <= 2000 ms)`,
    propagation.lastUsedMaxMs <= 2000,
  ],
  ...[postgres, pglite].map((l): [string, string, boolean] => [
    `list latency p95, ${l.engine}, ${l.scale.tokens.toLocaleString('en')} tokens`,
    `${round(l.worstP95, 1)} ms worst list (goal <= 30 ms)`,
    l.worstP95 <= 30,
  ]),
  (() => {
    const plans = [...postgres.plans, ...pglite.plans, ...million.plans];
    const bad = plans.filter((p) => p.seqScans.some((t) => t === 'tokens' || t === 'accounts'));
    return [
      'no sequential scan on tokens/accounts in list plans (all scales)',
      `${bad.length} of ${plans.length} plans with one`,
      bad.length === 0,
    ];
  })(),
  [
    `start-up on an existing embedded database (${pglite.scale.tokens.toLocaleString('en')} tokens)`,
    `${round(pglite.startupMs)} ms`,
    undefined,
  ],
];
for (const [what, figure, ok] of rows) {
  line(`${what.padEnd(66)} ${figure.padEnd(62)} ${ok === undefined ? '' : verdict(ok)}`);
}
line(`Load average after: ${load()}`);
line(`\nAll benchmarks took ${round((performance.now() - started) / 1000)} s.`);
process.exit(0);
