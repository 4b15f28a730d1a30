import { spawnSync } from 'node:child_process';
import {
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPostgresBin, freePort, isRoot, type Postgres, startPostgres } from '../../scripts/postgres.ts';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { type DatabaseHandle, openDatabase } from '../../src/platform/database.ts';
import { databaseFailure } from '../../src/platform/database-errors.ts';
import type { App } from '../../src/platform/http/types.ts';
import { migrateToLatest } from '../../src/platform/migrate.ts';
import { createServices, type Services } from '../../src/services.ts';
import { testEngine } from '../support/database.ts';

// A database that stops answering, refuses connections, or runs out of disk, on a PostgreSQL cluster
// this file starts for itself: it is frozen with SIGSTOP, which must never reach the shared test server.
// The cluster is its own, so the file runs once (in the PGlite project), and only where the PostgreSQL
// binaries and /proc are.

const TIMEOUT_MS = 1000;
const env = {
  TESSERA_DB_CONNECT_TIMEOUT_MS: String(TIMEOUT_MS),
  TESSERA_DB_STATEMENT_TIMEOUT_MS: String(TIMEOUT_MS),
  TESSERA_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: String(TIMEOUT_MS),
  TESSERA_WEB_DIR: 'test/no-console',
};
const PASSWORD = 'outage-test-password';

interface Tessera {
  /** The app's log lines so far, parsed. */
  logs: { level: number; msg: string }[];
  handle: DatabaseHandle;
  services: Services;
  app: App;
  close(): Promise<void>;
}

/** Tessera in this process on the database at `url`, with the limits of `env`. */
async function tesseraOn(url: string): Promise<Tessera> {
  const config = loadConfig({ ...env, DATABASE_URL: url });
  const handle = await openDatabase({ url, poolSize: 4, timeouts: config.dbTimeouts });
  const services = createServices({
    db: handle.db,
    health: handle.health,
    clock: systemClock,
    lastUsedFlushMs: 1000,
    sessionTtlHours: 1,
    onBackgroundError: () => {},
  });
  const logs: Tessera['logs'] = [];
  const stream = { write: (line: string) => logs.push(JSON.parse(line)) };
  const app = await buildApp({ services, config, logger: { level: 'info', stream } });
  return {
    logs,
    handle,
    services,
    app,
    async close() {
      await app.close();
      await services.lastUsed.flush().catch(() => {});
      await handle.close();
    },
  };
}

/** An unknown email: a sign-in that has to ask the database, and changes nothing. */
const signInAsNobody = (app: App) =>
  app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { email: 'nobody@example.com', password: 'not-the-password' },
  });

async function timed<T>(work: Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work;
  return { result, ms: performance.now() - started };
}

describe('a database that refuses connections', () => {
  it('answers 503 service_unavailable with Retry-After at once, logs it once, and readiness says so', async () => {
    // A port nothing listens on.
    const tessera = await tesseraOn(`postgres://postgres@127.0.0.1:${await freePort()}/postgres`);
    try {
      const { result: signIn, ms } = await timed(signInAsNobody(tessera.app));
      expect(signIn.statusCode).toBe(503);
      expect(signIn.headers['retry-after']).toBe('5');
      expect(signIn.json()).toEqual({
        code: 'service_unavailable',
        message: 'The database is not answering; try again shortly.',
      });
      expect(ms).toBeLessThan(TIMEOUT_MS * 3);
      for (let i = 0; i < 5; i++) expect((await signInAsNobody(tessera.app)).statusCode).toBe(503);
      // One warning for the outage, not one stack trace per request.
      const outage = tessera.logs.filter((line) => line.level >= 40);
      expect(outage.map((line) => line.msg)).toEqual([
        'database unavailable: requests that need it get 503 service_unavailable until it answers again',
      ]);
      const ready = await tessera.app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ status: 'unavailable', reason: 'database_unavailable' });
    } finally {
      await tessera.close();
    }
  });
});

const bin = findPostgresBin();
const canFreeze = bin !== undefined && process.platform === 'linux' && testEngine() === 'pglite';

describe.skipIf(!canFreeze)('a PostgreSQL of our own', () => {
  let cluster: Postgres;
  let tessera: Tessera;
  /** The cluster's processes, stopped with SIGSTOP (and to be continued whatever happens). */
  let frozen: number[] = [];

  beforeAll(async () => {
    cluster = await startPostgres(bin!);
    const setup = await openDatabase({ url: cluster.url });
    await migrateToLatest(setup.db);
    await setup.close();
    tessera = await tesseraOn(cluster.url);
  });

  afterAll(async () => {
    thaw(frozen);
    await tessera?.close();
    // pg_ctl stops it by its data directory.
    cluster?.stop();
  });

  it('gives every connection the configured limits', async () => {
    const show = async (name: string) =>
      (await sql<Record<string, string>>`select current_setting(${name}) as value`.execute(tessera.handle.db))
        .rows[0]!.value;
    expect(await show('statement_timeout')).toBe('1s');
    expect(await show('idle_in_transaction_session_timeout')).toBe('1s');
  });

  it('lifts the statement limit for migrations only', async () => {
    const sleep = sql`select pg_sleep(${(TIMEOUT_MS * 1.5) / 1000})`;
    const error = await sleep.execute(tessera.handle.db).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect((error as { code?: string }).code).toBe('57014');
    expect(databaseFailure(error)).toBe('unavailable');
    await tessera.handle.withoutStatementTimeout((db) => sleep.execute(db));
  });

  it('answers 503 within its limits while the database is frozen, and recovers when it thaws', {
    timeout: 60_000,
  }, async () => {
    expect((await tessera.app.inject({ url: '/readyz' })).statusCode).toBe(200);
    expect((await signInAsNobody(tessera.app)).statusCode).toBe(401);

    frozen = freeze(await postmasterOf(tessera.handle));
    try {
      // More requests than the pool has connections: some wait for a connection, some open one that
      // gets no answer, some send a query on a connection that no longer answers.
      const answers = await Promise.all([
        timed(tessera.app.inject({ url: '/readyz' })),
        ...Array.from({ length: 6 }, () => timed(signInAsNobody(tessera.app))),
      ]);
      const [ready, ...signIns] = answers;
      expect(ready!.result.statusCode).toBe(503);
      expect(ready!.result.json()).toMatchObject({ status: 'unavailable', reason: 'database_unavailable' });
      for (const { result } of signIns) {
        expect(result.statusCode, result.body).toBe(503);
        expect(result.json().code).toBe('service_unavailable');
      }
      // Connect (1 s), a query (1 s + 1 s grace), with slack for a loaded machine: not "as long as it is
      // frozen".
      for (const { ms } of answers) expect(ms).toBeLessThan(TIMEOUT_MS * 8);
      // Readiness answers within its own bound, before the requests' limits run out.
      expect(ready!.ms).toBeLessThan(2000 + TIMEOUT_MS * 2);
    } finally {
      thaw(frozen);
      frozen = [];
    }

    let status = 0;
    for (const started = Date.now(); Date.now() - started < 20_000; ) {
      status = (await tessera.app.inject({ url: '/readyz' })).statusCode;
      if (status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status).toBe(200);
    expect((await signInAsNobody(tessera.app)).statusCode).toBe(401);
    // Its start and its end, once each.
    const said = tessera.logs.filter((line) => line.level >= 40).map((line) => line.msg);
    expect(said.filter((msg) => msg.startsWith('database unavailable'))).toHaveLength(1);
    expect(said.filter((msg) => msg === 'database available again')).toHaveLength(1);
  });

  // A real ENOSPC: a database in a tablespace on a small tmpfs, filled up. Mounting needs root (and
  // CAP_SYS_ADMIN); without it operations.test.ts still proves the mapping with a raised SQLSTATE 53100.
  describe('on a full disk', () => {
    let mountPoint: string | undefined;
    let full: Tessera | undefined;

    beforeAll(async () => {
      if (!isRoot) return;
      const dir = mkdtempSync(join(tmpdir(), 'tessera-full-'));
      if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', dir]).status !== 0) {
        rmSync(dir, { recursive: true, force: true });
        return;
      }
      mountPoint = dir;
      const space = join(dir, 'space');
      mkdirSync(space);
      chownSync(space, postgresUid(), postgresGid());
      const admin = await openDatabase({ url: cluster.url });
      await sql`create tablespace small location ${sql.lit(space)}`.execute(admin.db);
      await sql`create database full_disk tablespace small`.execute(admin.db);
      await admin.close();
      const url = cluster.url.replace(/\/postgres$/, '/full_disk');
      const setup = await openDatabase({ url });
      await migrateToLatest(setup.db);
      await setup.close();
      full = await tesseraOn(url);
    });

    afterAll(async () => {
      await full?.close();
      if (mountPoint) {
        // The cluster's files in the tablespace go with it; the cluster itself is stopped after.
        const admin = await openDatabase({ url: cluster.url });
        await sql`drop database if exists full_disk with (force)`.execute(admin.db);
        await sql`drop tablespace if exists small`.execute(admin.db);
        await admin.close();
        spawnSync('umount', [mountPoint]);
        rmSync(mountPoint, { recursive: true, force: true });
      }
    });

    it('answers 507 storage_full, and readiness reports it until space is freed and a write succeeds', async (context) => {
      if (!full) return context.skip();
      const { app, services, handle } = full;
      await services.accounts.createHuman(null, {
        email: 'admin@example.com',
        name: 'Admin',
        password: PASSWORD,
        role: 'admin',
      });
      const signIn = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'admin@example.com', password: PASSWORD },
      });
      const headers = {
        cookie: `tessera_session=${signIn.cookies.find((c) => c.name === 'tessera_session')!.value}`,
        'x-csrf-token': signIn.json().csrf_token as string,
      };
      const generate = (name: string) =>
        app.inject({
          method: 'POST',
          url: '/api/tokens',
          headers,
          payload: { name, kind: 'personal', expires_in_days: 30 },
        });

      // Fill the file system; the tokens table has no page yet, so the next token needs new space.
      await sql`create table filler (x text)`.execute(handle.db);
      const fill = sql`insert into filler select repeat(md5(random()::text), 32) from generate_series(1, 1000)`;
      let error: unknown;
      for (let i = 0; i < 200 && !error; i++) {
        error = await handle
          .withoutStatementTimeout((db) => fill.execute(db))
          .then(
            () => undefined,
            (failure: unknown) => failure,
          );
      }
      expect((error as { code?: string }).code).toBe('53100');

      const refused = await generate('No room');
      expect(refused.statusCode).toBe(507);
      expect(refused.json().code).toBe('storage_full');
      const ready = await app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ reason: 'storage_full' });

      await sql`drop table filler`.execute(handle.db);
      expect((await generate('Room again')).statusCode).toBe(201);
      expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
    });
  });
});

// PostgreSQL restarts itself after a PANIC; PGlite, inside this process, answers nothing more (every
// later query hangs), so Tessera is told and exits (src/server.ts). A real one: no room for a new WAL file.
describe.skipIf(!isRoot || testEngine() === 'postgres')('the embedded database on a full disk', () => {
  it('reports the PANIC it stops on', { timeout: 60_000 }, async (context) => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-full-pglite-'));
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', dir]).status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      return context.skip();
    }
    try {
      const panics: unknown[] = [];
      const handle = await openDatabase({
        dataDir: join(dir, 'data'),
        onPanic: (error) => panics.push(error),
      });
      await sql`create table t (x text)`.execute(handle.db);
      const { bavail, bsize } = statfsSync(dir);
      writeFileSync(join(dir, 'filler'), Buffer.alloc(bavail * bsize - 8192));
      // The next write needs a new WAL file, for which there is no room.
      await sql`select pg_switch_wal()`.execute(handle.db);
      const error = await sql`insert into t values ('x')`.execute(handle.db).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).toMatchObject({ code: '53100', severity: 'PANIC' });
      expect(databaseFailure(error)).toBe('storage_full');
      expect(panics).toEqual([error]);
      // The handle is not closed: closing waits on PGlite, which no longer answers.
    } finally {
      // Lazy: the lock file is still open in this process.
      spawnSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The postmaster of the cluster `handle` is connected to, checked to be the one with its data directory. */
async function postmasterOf(handle: DatabaseHandle): Promise<number> {
  const { rows } = await sql<{ pid: number; dir: string }>`
    select pg_backend_pid() as pid, current_setting('data_directory') as dir`.execute(handle.db);
  const { pid, dir } = rows[0]!;
  const postmaster = parentOf(pid);
  const command = readFileSync(`/proc/${postmaster}/cmdline`, 'utf8').split('\0');
  if (!command.includes(dir)) throw new Error(`pid ${postmaster} is not the postmaster of ${dir}`);
  return postmaster;
}

function parentOf(pid: number): number {
  // "pid (command) state ppid …": the command may hold spaces, so read after its closing parenthesis.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** SIGSTOP the postmaster, so it forks nothing new, then each of its children. */
function freeze(postmaster: number): number[] {
  process.kill(postmaster, 'SIGSTOP');
  const children = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return parentOf(pid) === postmaster;
      } catch {
        return false;
      }
    });
  for (const pid of children) process.kill(pid, 'SIGSTOP');
  return [postmaster, ...children];
}

function thaw(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {}
  }
}

const idOf = (flag: '-u' | '-g') => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout);
const postgresUid = () => idOf('-u');
const postgresGid = () => idOf('-g');
