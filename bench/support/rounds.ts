// Two or more server processes compared on one noisy machine: rounds that take turns between them,
// each sending the same number of requests, with the CPU time each server (and the database) spent.
import autocannon from 'autocannon';
import { processCpu } from './cpu.ts';
import { line, round } from './stats.ts';

export interface Target {
  name: string;
  url: string;
  path: string;
  /** The server process, whose CPU time is read before and after each of its turns. */
  pid: number;
}

export interface TargetFigures {
  name: string;
  /** Medians over the rounds, µs of CPU per request: the server, the database server, and both. */
  serverUs: number;
  databaseUs: number;
  totalUs: number;
  rps: number;
  rounds: { serverUs: number; databaseUs: number; rps: number }[];
}

export interface RoundsOptions {
  rounds: number;
  /** Requests per target per round. */
  requests: number;
  connections?: number;
  /** Sent round robin, one per request, to every target alike (so the load generator's work is equal). */
  secrets: string[];
  /** CPU time of the database server's processes, µs; none for the embedded database (in-process). */
  databaseCpu?: () => number;
  /** Requests per target before the first round: JIT, connections, caches. */
  warmUp?: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * `rounds` rounds; in each, every target in turn gets `requests` requests from autocannon (16
 * connections), the order reversed every other round so that no target always follows the same one.
 * Any answer but 2xx, or any socket error, fails the run: a ratio of failures would mean nothing.
 */
export async function compareInRounds(targets: Target[], options: RoundsOptions): Promise<TargetFigures[]> {
  let next = 0;
  // autocannon ends an `amount` run only at its next one-second tick, so the time of the last answer,
  // not the run's, gives the requests per second.
  let lastAnswer = 0;
  const fire = async (target: Target, amount: number) => {
    const result = await autocannon({
      url: target.url,
      connections: options.connections ?? 16,
      amount,
      requests: [
        {
          method: 'GET',
          path: target.path,
          setupRequest: (request) => {
            const secret = options.secrets[next++ % options.secrets.length]!;
            return { ...request, headers: { ...request.headers, authorization: `Bearer ${secret}` } };
          },
          onResponse: () => {
            lastAnswer = performance.now();
          },
        },
      ],
    });
    const failed = result.requests.total - (result.statusCodeStats['200']?.count ?? 0);
    if (failed > 0 || result.errors > 0 || result.timeouts > 0) {
      throw new Error(
        `${target.name} ${target.path}: ${failed} answers not 200 (${JSON.stringify(result.statusCodeStats)}), ` +
          `${result.errors} errors, ${result.timeouts} timeouts`,
      );
    }
    return result;
  };
  for (const target of targets) await fire(target, options.warmUp ?? Math.ceil(options.requests / 2));
  const rounds = targets.map((): TargetFigures['rounds'] => []);
  for (let r = 0; r < options.rounds; r++) {
    const order = targets.map((_, i) => i);
    if (r % 2 === 1) order.reverse();
    for (const i of order) {
      const target = targets[i]!;
      const server = processCpu(target.pid);
      const database = options.databaseCpu?.() ?? 0;
      const started = performance.now();
      const result = await fire(target, options.requests);
      const seconds = (lastAnswer - started) / 1000;
      const n = result.requests.total;
      rounds[i]!.push({
        serverUs: (processCpu(target.pid) - server) / n,
        databaseUs: ((options.databaseCpu?.() ?? 0) - database) / n,
        rps: n / seconds,
      });
    }
  }
  return targets.map((target, i) => {
    const own = rounds[i]!;
    return {
      name: target.name,
      serverUs: median(own.map((r) => r.serverUs)),
      databaseUs: median(own.map((r) => r.databaseUs)),
      totalUs: median(own.map((r) => r.serverUs + r.databaseUs)),
      rps: median(own.map((r) => r.rps)),
      rounds: own,
    };
  });
}

/** One line per target: the medians, and each round's total µs per request. */
export function printRounds(figures: TargetFigures[]): void {
  for (const f of figures) {
    line(
      `  ${f.name.padEnd(28)} ${String(Math.round(f.rps)).padStart(6)} req/s   CPU µs/request: server ${round(f.serverUs)}, ` +
        `database ${round(f.databaseUs)}, total ${round(f.totalUs)}   (rounds: ${f.rounds.map((r) => Math.round(r.serverUs + r.databaseUs)).join(' ')})`,
    );
  }
}

/** `base`'s total CPU per request over `other`'s, round by round: how far the median ratio spreads. */
export function ratiosByRound(
  base: TargetFigures,
  other: TargetFigures,
  cpu: 'server' | 'total' = 'total',
): string {
  const of = (r: TargetFigures['rounds'][number]) =>
    cpu === 'server' ? r.serverUs : r.serverUs + r.databaseUs;
  return base.rounds.map((r, i) => (of(r) / of(other.rounds[i]!)).toFixed(2)).join(' ');
}
