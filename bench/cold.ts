// Issue 26, goal 1: token verification with the cache off (`TESSERA_AUTH_CACHE_SIZE=0`), tessera
// against the hand-written baseline (bench/support/baseline-server.ts), `GET /api/me` with 1,000
// distinct active tokens, by CPU per request in alternating rounds. `node bench/cold.ts [postgres|pglite]`.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresCpu, postmasterPid } from './support/cpu.ts';
import { benchPostgres, createLoadDatabase } from './support/databases.ts';
import { BASELINE_SERVER, pinForLoad, startNode } from './support/node.ts';
import { QUICK } from './support/quick.ts';
import { compareInRounds, printRounds, ratiosByRound } from './support/rounds.ts';
import { line, round, verdict } from './support/stats.ts';

export interface ColdFigures {
  engine: 'postgres' | 'pglite';
  /** Baseline's total CPU per request ÷ tessera's: above 1, tessera spends less. */
  ratio: number;
  rpsRatio: number;
  goal: number;
  tesseraUs: number;
  baselineUs: number;
}

const ROUNDS = QUICK ? 3 : 7;
// The embedded database answers about half as fast: half the requests keep its run as long.
const REQUESTS = { postgres: QUICK ? 1000 : 4000, pglite: QUICK ? 500 : 2000 };

export async function benchCold(engine: 'postgres' | 'pglite'): Promise<ColdFigures> {
  line(`\n== Cold verification: tessera without its cache vs. the hand-written baseline (${engine}) ==`);
  const { database, secrets } = await createLoadDatabase(engine);
  // The embedded database is one process's files: the baseline gets a copy, taken before either starts.
  const copy = engine === 'pglite' ? mkdtempSync(join(tmpdir(), 'tessera-bench-baseline-')) : undefined;
  if (copy) cpSync(join(database.env.TESSERA_DATA_DIR!, 'pglite'), copy, { recursive: true });
  const pin = pinForLoad();
  const tessera = await startNode({ ...database.env, TESSERA_AUTH_CACHE_SIZE: '0' }, undefined, {
    cpu: pin?.serverCpu,
  });
  const baseline = await startNode(copy ? { BASELINE_PGLITE_DIR: copy } : database.env, undefined, {
    cpu: pin?.serverCpu,
    script: BASELINE_SERVER,
  });
  try {
    const postmaster =
      engine === 'postgres' ? postmasterPid(Number(new URL((await benchPostgres()).url).port)) : undefined;
    const figures = await compareInRounds(
      [
        { name: 'tessera, cache off', url: tessera.url, path: '/api/me', pid: tessera.child.pid! },
        { name: 'baseline', url: baseline.url, path: '/api/me', pid: baseline.child.pid! },
      ],
      {
        rounds: ROUNDS,
        requests: REQUESTS[engine],
        secrets,
        ...(postmaster ? { databaseCpu: () => postgresCpu(postmaster) } : {}),
      },
    );
    const [t, b] = figures as [(typeof figures)[0], (typeof figures)[0]];
    line(
      `1,000 distinct tokens, ${ROUNDS} rounds of ${REQUESTS[engine]} requests to each, 16 connections, servers pinned to one CPU` +
        (postmaster
          ? ', database CPU from the benchmark PostgreSQL'
          : ' (the database runs inside each server)'),
    );
    printRounds(figures);
    const goal = engine === 'postgres' ? 2 : 1;
    const ratio = b.totalUs / t.totalUs;
    const rpsRatio = t.rps / b.rps;
    line(
      `baseline CPU / tessera CPU per request: ${round(ratio, 2)} (goal >= ${goal}: ${verdict(ratio >= goal)}); ` +
        `req/s ratio ${round(rpsRatio, 2)}; by round: ${ratiosByRound(b, t)}`,
    );
    return { engine, ratio, rpsRatio, goal, tesseraUs: t.totalUs, baselineUs: b.totalUs };
  } finally {
    pin?.release();
    await tessera.stop();
    await baseline.stop();
    await database.dispose();
    if (copy) rmSync(copy, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const engines = process.argv[2]
    ? [process.argv[2] as 'postgres' | 'pglite']
    : (['postgres', 'pglite'] as const);
  for (const engine of engines) await benchCold(engine);
  process.exit(0);
}
