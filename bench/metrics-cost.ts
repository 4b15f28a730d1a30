// What the request histogram costs the hot path: server CPU time (utime + stime from /proc) per
// GET /api/me with a cached token, for three servers that differ only in the histogram: none, the
// in-house one (src/platform/metrics.ts) and prom-client's. Rounds interleave the three, so that the
// machine's other work falls on all of them alike. `node bench/metrics-cost.ts [requests] [rounds]`.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { line, round } from './support/stats.ts';

const REQUESTS = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const VARIANTS = ['none', 'in-house', 'prom-client'] as const;
const TICK_MS = 10; // USER_HZ is 100 on Linux

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

async function start(variant: string) {
  const child = spawn(
    process.execPath,
    [new URL('./support/metrics-variant-server.ts', import.meta.url).pathname, variant],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const first = await new Promise<string>((done) =>
    createInterface({ input: child.stdout! }).once('line', done),
  );
  const [port, secret] = first.split(' ');
  return { variant, child, url: `http://127.0.0.1:${port}`, secret: secret! };
}

const servers: Awaited<ReturnType<typeof start>>[] = [];
for (const variant of VARIANTS) servers.push(await start(variant));
const totals = new Map<string, number[]>(VARIANTS.map((v) => [v, []]));
const fire = (server: (typeof servers)[number], amount: number) =>
  autocannon({
    url: server.url,
    connections: 4,
    amount,
    headers: { authorization: `Bearer ${server.secret}` },
    requests: [{ method: 'GET', path: '/api/me' }],
  });
for (const server of servers) await fire(server, 5000); // warm-up: JIT, cache
for (let r = 0; r < ROUNDS; r++) {
  for (const server of servers) {
    const before = cpuMs(server.child.pid!);
    const result = await fire(server, REQUESTS);
    if (result.non2xx > 0) throw new Error(`${server.variant}: ${result.non2xx} answers were not 2xx`);
    totals.get(server.variant)!.push(((cpuMs(server.child.pid!) - before) * 1000) / REQUESTS);
  }
}
for (const server of servers) server.child.kill('SIGTERM');
line(`Server CPU time per GET /api/me, µs (${ROUNDS} rounds of ${REQUESTS} requests, 4 connections):`);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
for (const variant of VARIANTS) {
  const values = totals.get(variant)!;
  line(
    `  ${variant.padEnd(12)} median ${round(median(values), 1)}  rounds ${values.map((v) => round(v, 1)).join(' ')}`,
  );
}

// The observation alone, in this process: a difference the noise above hides shows here.
const { Metrics } = await import('../src/platform/metrics.ts');
const { Histogram } = await import('prom-client');
const metrics = new Metrics();
const prom = new Histogram({
  name: 'bench_seconds',
  help: 'bench',
  labelNames: ['route', 'method', 'status_class'],
  buckets: [...(await import('../src/platform/metrics.ts')).LATENCY_BUCKETS],
});
const N = 2_000_000;
const timeIt = (observe: (i: number) => void) => {
  for (let i = 0; i < 100_000; i++) observe(i);
  const started = process.cpuUsage();
  for (let i = 0; i < N; i++) observe(i);
  const used = process.cpuUsage(started);
  return ((used.user + used.system) * 1000) / N; // ns
};
for (let r = 0; r < 3; r++) {
  const inHouse = timeIt((i) => metrics.observeRequest('GET', '/api/me', 200, (i % 50) / 100_000));
  const promClient = timeIt((i) =>
    prom.observe({ route: '/api/me', method: 'GET', status_class: '2xx' }, (i % 50) / 100_000),
  );
  line(`One observation, ns: in-house ${round(inHouse, 0)}, prom-client ${round(promClient, 0)}`);
}
