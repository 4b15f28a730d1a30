// `npm test`: the whole suite on a fresh machine. Installs the Debian packages it needs when it can
// (chromium for the console tests, postgresql for the PostgreSQL run), starts a throwaway PostgreSQL on
// a loopback port, runs Vitest on PGlite and on PostgreSQL, then Playwright, and stops the server.
import { type SpawnSyncOptions, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CHROMIUM = '/usr/bin/chromium';
const isRoot = process.getuid?.() === 0;
// `npm test` runs everything; `npm test -- unit` only Vitest, `npm test -- e2e` only Playwright.
const args = process.argv.slice(2);
const only = (name: 'unit' | 'e2e') => args.length === 0 || args.includes(name);

function run(command: string, argv: string[], options: SpawnSyncOptions = {}): number {
  const result = spawnSync(command, argv, { stdio: 'inherit', ...options });
  return result.status ?? 1;
}

function aptInstall(pkg: string): boolean {
  if (!isRoot || !existsSync('/usr/bin/apt-get')) return false;
  process.stderr.write(`Installing the Debian package ${pkg}…\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (run('apt-get', ['install', '-y', '-q', pkg], { env }) === 0) return true;
  return (
    run('apt-get', ['update', '-q'], { env }) === 0 &&
    run('apt-get', ['install', '-y', '-q', pkg], { env }) === 0
  );
}

function fail(message: string): never {
  process.stderr.write(`\n${message}\n`);
  process.exit(1);
}

function findPostgresBin(): string | undefined {
  if (existsSync('/usr/local/bin/initdb') && existsSync('/usr/local/bin/pg_ctl')) return '/usr/local/bin';
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => Number(v) >= 15 && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface Postgres {
  url: string;
  stop(): void;
}

/** A PostgreSQL cluster in a temporary directory, owned by `postgres` when we are root (it refuses root). */
async function startPostgres(bin: string): Promise<Postgres> {
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
    fail('initdb failed: see above.');
  }
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${socket} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  if (
    run(
      ...asPostgres([join(bin, 'pg_ctl'), '-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']),
      quiet,
    ) !== 0
  ) {
    fail(`PostgreSQL did not start; its log is ${join(dir, 'log')}.`);
  }
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      if (stopped) return;
      stopped = true;
      run(...asPostgres([join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop']), quiet);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function runAsync(command: string, argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, argv, { stdio: 'inherit', env });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const hasE2e = existsSync('playwright.config.ts') && existsSync('e2e');
if (hasE2e && only('e2e') && !existsSync(CHROMIUM) && !aptInstall('chromium')) {
  fail(
    `The console tests need Debian's Chromium at ${CHROMIUM}: install it with  sudo apt-get install chromium`,
  );
}
let bin = findPostgresBin();
if (!bin && only('unit') && process.env.TESSERA_TEST_POSTGRES !== '0') {
  if (aptInstall('postgresql')) bin = findPostgresBin();
  if (!bin) {
    fail(
      'The tests also run on PostgreSQL 15+, whose server is not installed: install it with  sudo apt-get install postgresql\n' +
        '(or run them on the embedded database alone with  TESSERA_TEST_POSTGRES=0 npm test).',
    );
  }
}

const postgres =
  bin && only('unit') && process.env.TESSERA_TEST_POSTGRES !== '0' ? await startPostgres(bin) : undefined;
const cleanup = () => postgres?.stop();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
}

let status = 0;
try {
  const env = { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' };
  if (args.length === 0) {
    process.stderr.write('Type check and lint…\n');
    status = run('tsc', ['-p', 'tsconfig.json', '--noEmit']) || run('biome', ['check', '.']);
  }
  if (status === 0 && only('unit')) {
    status = await runAsync('vitest', ['run'], {
      ...env,
      ...(postgres ? { TESSERA_TEST_PG_URL: postgres.url } : {}),
    });
  }
  if (status === 0 && hasE2e && only('e2e')) {
    // Always a fresh build: the console tests must test the sources as they are.
    status = run('vite', ['build', '--logLevel', 'warn']);
    if (status === 0) status = await runAsync('playwright', ['test'], env);
  }
} finally {
  cleanup();
}
process.exit(status);
