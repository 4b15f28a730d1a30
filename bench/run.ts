// `npm run bench`: every benchmark, one after the other, then a summary against the goals of issue 4.
// Each can also run alone: node bench/auth.ts, node bench/propagation.ts, node bench/lists.ts.
import { cpus, loadavg, totalmem } from 'node:os';
import { benchAuth } from './auth.ts';
import { benchLists } from './lists.ts';
import { benchPropagation } from './propagation.ts';
import { line, round, verdict } from './support/stats.ts';

const started = performance.now();
line(
  `Tessera benchmarks: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
);
line('Load generator: autocannon in this process, on 127.0.0.1; servers are real `tessera` processes.');
line(
  `Load average before: ${loadavg()
    .map((l) => round(l, 2))
    .join(' ')} (other work on the machine skews every figure)`,
);

const auth = await benchAuth('postgres');
const authEmbedded = await benchAuth('pglite');
const propagation = await benchPropagation();
const postgres = await benchLists('postgres', { memory: true });
const pglite = await benchLists('pglite');

line('\n== Summary ==');
const rows: [string, string, boolean][] = [
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
  [
    'list latency p95, PostgreSQL, 100k tokens',
    `${round(postgres.worstP95, 1)} ms worst list (goal <= 30 ms)`,
    postgres.worstP95 <= 30,
  ],
  [
    'list latency p95, PGlite, 100k tokens',
    `${round(pglite.worstP95, 1)} ms worst list (goal <= 30 ms)`,
    pglite.worstP95 <= 30,
  ],
  [
    'no sequential scan on tokens/accounts in list plans',
    `${[...postgres.plans, ...pglite.plans].filter((p) => p.seqScans.some((t) => t === 'tokens' || t === 'accounts')).length} plans with one`,
    [...postgres.plans, ...pglite.plans].every(
      (p) => !p.seqScans.some((t) => t === 'tokens' || t === 'accounts'),
    ),
  ],
];
for (const [what, figure, ok] of rows) line(`${what.padEnd(60)} ${figure.padEnd(48)} ${verdict(ok)}`);
if (postgres.memory) {
  line(
    `${'resident size with 100,000 tokens cached'.padEnd(60)} ${round(postgres.memory.rssAfterMb)} MiB (${round(postgres.memory.rssBeforeMb)} MiB before)`,
  );
}
line(`${'start-up on an existing embedded database (100k tokens)'.padEnd(60)} ${round(pglite.startupMs)} ms`);
line(
  `Load average after: ${loadavg()
    .map((l) => round(l, 2))
    .join(' ')}`,
);
line(`\nAll benchmarks took ${round((performance.now() - started) / 1000)} s.`);
process.exit(0);
