// Issue 26, goal 2: the fixed cost of every request. Tessera's `GET /healthz` and `GET /api/me` with a
// cached token (default configuration, 1,000 tokens all verified once) against a bare Fastify route
// (bench/support/bare-fastify.ts), by server CPU per request in alternating rounds, on the embedded
// database (neither path reads it once the cache is warm). `node bench/fixed-cost.ts`.
import { createLoadDatabase } from './support/databases.ts';
import { load } from './support/load.ts';
import { BARE_FASTIFY, pinForLoad, startNode } from './support/node.ts';
import { QUICK } from './support/quick.ts';
import { compareInRounds, printRounds, ratiosByRound } from './support/rounds.ts';
import { line, round, verdict } from './support/stats.ts';

export interface FixedCostFigures {
  bareUs: number;
  healthzUs: number;
  meUs: number;
  /** Bare Fastify's CPU per request ÷ tessera's: 1 would be no cost of tessera's own. */
  healthzRatio: number;
  meRatio: number;
  healthzRpsRatio: number;
  meRpsRatio: number;
}

const ROUNDS = QUICK ? 3 : 7;
const REQUESTS = QUICK ? 5000 : 40_000;

export async function benchFixedCost(): Promise<FixedCostFigures> {
  line('\n== Fixed cost per request: tessera vs. a bare Fastify route (embedded database) ==');
  const { database, secrets } = await createLoadDatabase('pglite');
  const pin = pinForLoad();
  const tessera = await startNode(database.env, undefined, { cpu: pin?.serverCpu });
  const bare = await startNode({}, undefined, { cpu: pin?.serverCpu, script: BARE_FASTIFY });
  try {
    // Every token verified once, so that each /api/me below is answered from the cache.
    await load(tessera.url, '/api/me', { seconds: 0, amount: secrets.length, secrets });
    const pid = tessera.child.pid!;
    const figures = await compareInRounds(
      [
        { name: 'bare Fastify /healthz', url: bare.url, path: '/healthz', pid: bare.child.pid! },
        { name: 'tessera /healthz', url: tessera.url, path: '/healthz', pid },
        { name: 'tessera /api/me, cached', url: tessera.url, path: '/api/me', pid },
      ],
      { rounds: ROUNDS, requests: REQUESTS, secrets },
    );
    const [b, h, m] = figures as [(typeof figures)[0], (typeof figures)[0], (typeof figures)[0]];
    line(
      `1,000 distinct tokens (sent to every path alike), ${ROUNDS} rounds of ${REQUESTS} requests, 16 connections, ` +
        'servers pinned to one CPU; tessera at its defaults (log level info: requests are not logged)',
    );
    printRounds(figures);
    const result: FixedCostFigures = {
      bareUs: b.serverUs,
      healthzUs: h.serverUs,
      meUs: m.serverUs,
      healthzRatio: b.serverUs / h.serverUs,
      meRatio: b.serverUs / m.serverUs,
      healthzRpsRatio: h.rps / b.rps,
      meRpsRatio: m.rps / b.rps,
    };
    line(
      `fixed cost: tessera /healthz ${round(h.serverUs - b.serverUs)} µs, cached /api/me ${round(m.serverUs - b.serverUs)} µs of CPU per request above bare Fastify's ${round(b.serverUs)} µs`,
    );
    line(
      `bare / tessera /healthz CPU: ${round(result.healthzRatio, 2)} (goal >= 0.8: ${verdict(result.healthzRatio >= 0.8)}); req/s ratio ${round(result.healthzRpsRatio, 2)}; by round: ${ratiosByRound(b, h, 'server')}`,
    );
    line(
      `bare / tessera cached /api/me CPU: ${round(result.meRatio, 2)} (goal >= 0.7: ${verdict(result.meRatio >= 0.7)}); req/s ratio ${round(result.meRpsRatio, 2)}; by round: ${ratiosByRound(b, m, 'server')}`,
    );
    return result;
  } finally {
    pin?.release();
    await tessera.stop();
    await bare.stop();
    await database.dispose();
  }
}

if (import.meta.main) {
  await benchFixedCost();
  process.exit(0);
}
