// A throwaway PostgreSQL for the test suite (scripts/test.ts) and the benchmarks (bench/): found among the
// installed binaries, started in a temporary directory on a free loopback port, removed when stopped.
import { type SpawnSyncOptions, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const isRoot = process.getuid?.() === 0;

export function run(command: string, argv: string[], options: SpawnSyncOptions = {}): number {
  const result = spawnSync(command, argv, { stdio: 'inherit', ...options });
  return result.status ?? 1;
}

export function findPostgresBin(): string | undefined {
  if (existsSync('/usr/local/bin/initdb') && existsSync('/usr/local/bin/pg_ctl')) return '/usr/local/bin';
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => Number(v) >= 15 && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface Postgres {
  url: string;
  /** Stops and removes the cluster. */
  stop(): void;
  /** Shuts the server down as an operator would (`pg_ctl stop -m fast`), keeping its data; true if it did. */
  halt(): boolean;
  /** Starts the halted server again, on the same port and data; true once it accepts connections. */
  resume(): boolean;
}

/**
 * A PostgreSQL cluster in a temporary directory, owned by `postgres` when we are root (it refuses root).
 * Throws with a message for people when initdb or the server fails.
 */
export async function startPostgres(bin: string, settings: string[] = []): Promise<Postgres> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-pg-'));
  const data = join(dir, 'data');
  const socket = join(dir, 'socket');
  mkdirSync(socket);
  chmodSync(dir, 0o755);
  const asPostgres = (argv: string[]) =>
    (isRoot ? ['runuser', ['-u', 'postgres', '--', ...argv]] : [argv[0]!, argv.slice(1)]) as [
      string,
      string[],
    ];
  if (isRoot) run('chown', ['-R', 'postgres:postgres', dir]);
  const port = await freePort();
  const quiet: SpawnSyncOptions = { stdio: ['ignore', 'ignore', 'inherit'] };
  if (
    run(
      ...asPostgres([
        join(bin, 'initdb'),
        '-D',
        data,
        '-U',
        'postgres',
        '-A',
        'trust',
        '--no-sync',
        '-E',
        'UTF8',
      ]),
      quiet,
    ) !== 0
  ) {
    throw new Error('initdb failed: see above.');
  }
  const options = [
    `-p ${port} -c listen_addresses=127.0.0.1 -k ${socket} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
    ...settings.map((setting) => `-c ${setting}`),
  ].join(' ');
  if (
    run(
      ...asPostgres([join(bin, 'pg_ctl'), '-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']),
      quiet,
    ) !== 0
  ) {
    throw new Error(`PostgreSQL did not start; its log is ${join(dir, 'log')}.`);
  }
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    halt: () =>
      run(...asPostgres([join(bin, 'pg_ctl'), '-D', data, '-m', 'fast', '-w', 'stop']), quiet) === 0,
    resume: () =>
      run(
        ...asPostgres([
          join(bin, 'pg_ctl'),
          '-D',
          data,
          '-o',
          options,
          '-l',
          join(dir, 'log'),
          '-w',
          'start',
        ]),
        quiet,
      ) === 0,
    stop() {
      if (stopped) return;
      stopped = true;
      run(...asPostgres([join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop']), quiet);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
