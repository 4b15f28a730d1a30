// `npm test`: the whole suite on a fresh machine. Installs the Debian packages it needs when it can
// (chromium for the console tests, postgresql for the PostgreSQL run, nginx and caddy for the proxy
// recipes' tests, which are skipped without them), starts a throwaway PostgreSQL on
// a loopback port, runs Vitest on PGlite and on PostgreSQL, then Playwright, and stops the server.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findPostgresBin, isRoot, type Postgres, run, startPostgres } from './postgres.ts';

const CHROMIUM = '/usr/bin/chromium';
/** The proxies docs/PROXIES.md's recipes are run with, by test/integration/proxies.test.ts. */
const PROXIES = { nginx: '/usr/sbin/nginx', caddy: '/usr/bin/caddy' };
// `npm test` runs everything; `npm test -- unit` only Vitest, `npm test -- e2e` only Playwright.
const args = process.argv.slice(2);
const only = (name: 'unit' | 'e2e') => args.length === 0 || args.includes(name);

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
if (only('unit')) {
  for (const [pkg, path] of Object.entries(PROXIES)) {
    if (!existsSync(path) && !aptInstall(pkg)) {
      process.stderr.write(
        `The proxy recipes' tests need Debian's ${pkg} at ${path} and will be skipped: install it with  sudo apt-get install ${pkg}\n`,
      );
    }
  }
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

let postgres: Postgres | undefined;
if (bin && only('unit') && process.env.TESSERA_TEST_POSTGRES !== '0') {
  try {
    postgres = await startPostgres(bin);
  } catch (error) {
    fail((error as Error).message);
  }
}
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
