import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { Kysely, type LogEvent, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import { acquireDataDirLock } from './data-dir-lock.ts';
import { DatabaseHealth } from './health.ts';
import { statementName } from './prepared-statements.ts';
import type { Database } from './schema.ts';

export type Engine = 'pglite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Database>;
  engine: Engine;
  /**
   * Receive NOTIFY payloads on a channel. Resolves after the first attempt to listen (whether or not it
   * succeeded), to a function that stops. A PostgreSQL connection that drops is opened again, with
   * `onDisconnected` and then `onConnected` called, since notifications sent meanwhile are lost.
   */
  listen(channel: string, handlers: ListenHandlers): Promise<() => Promise<void>>;
  /** The embedded database's files as one tarball, which `initialData` starts a copy from (PGlite only). */
  dumpDataDir?(): Promise<Blob>;
  /** What the queries' outcomes tell about the database (a full disk), for readiness. */
  health: DatabaseHealth;
  /**
   * Run `work` with no statement time limit: migrations may rewrite a large table. On PostgreSQL with
   * timeouts, over a connection of its own, opened with the connect timeout only.
   */
  withoutStatementTimeout<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T>;
  /** Also hand every statement's log event (its duration, whether it failed) to `listener`: for /metrics. */
  observeQueries(listener: (event: LogEvent) => void): void;
  /** The connection pool now: connections open, idle, and queries waiting for one. */
  poolUse(): PoolUse;
  close(): Promise<void>;
}

export interface PoolUse {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

function poolUseOf(pool: pg.Pool): () => PoolUse {
  return () => ({
    total: pool.totalCount,
    idle: pool.idleCount,
    waiting: pool.waitingCount,
    max: pool.options.max ?? 10,
  });
}

/** Time limits in milliseconds; 0 turns one off. */
export interface DatabaseTimeouts {
  /** Opening a connection, and waiting for a free one when the pool is busy. */
  connectMs: number;
  /**
   * A statement, enforced by the server; the client gives up on an answer 1 s after that, for a server
   * that no longer answers at all (frozen, or a network that drops packets).
   */
  statementMs: number;
  /** A transaction left idle (a stalled process), ended by the server so that it frees its locks. */
  idleInTransactionMs: number;
}

/** How much longer than the server's statement timeout the client waits, so the server's error wins. */
const CLIENT_GRACE_MS = 1000;

export interface ListenHandlers {
  onMessage(payload: string): void;
  /** Listening (again): anything sent while not listening was missed. */
  onConnected?(): void;
  onDisconnected?(error: unknown): void;
}

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 2000;

export interface DatabaseOptions {
  /** A PostgreSQL connection string; without one the embedded database is used. */
  url?: string;
  /** Where the embedded database keeps its files; `memory://` keeps them in memory. */
  dataDir?: string;
  poolSize?: number;
  /** PostgreSQL only: the embedded database runs in this process and has no connection to lose. */
  timeouts?: DatabaseTimeouts;
  /** Kysely's query log (the benchmarks use it to EXPLAIN the queries the lists run). */
  log?: (event: LogEvent) => void;
  /**
   * The embedded database stopped for good: after a PANIC (no room for its write-ahead log, say) PGlite
   * answers no query again, and the ones already sent never settle. Called once.
   */
  onPanic?: (error: unknown) => void;
  /**
   * Start the embedded database from these files (a PGlite `dumpDataDir()` tarball) instead of creating
   * a new cluster, which takes seconds: the tests give each file a copy of one migrated database.
   */
  initialData?: Blob;
}

/**
 * PostgreSQL's memory settings for the embedded database, which lives in one WebAssembly memory that only
 * grows: 128 MB of shared buffers (PGlite's default) for a database of a few megabytes held ~100 MB of
 * memory for nothing, and an index build could grow it by 64 MB for good (docs/PERFORMANCE.md).
 */
const PGLITE_SETTINGS = ['shared_buffers=16MB', 'maintenance_work_mem=16MB'];

/** The extensions the migrations create, which the embedded database must load on every start. */
const pgliteExtensions = { pg_trgm };

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  const health = new DatabaseHealth();
  let panicked = false;
  const listeners: ((event: LogEvent) => void)[] = [];
  const log = (event: LogEvent) => {
    health.observe(event);
    options.log?.(event);
    for (const listener of listeners) listener(event);
    // A PostgreSQL server restarts itself after a PANIC and our connections fail over to it; the
    // embedded one lives in this process and cannot.
    if (event.level === 'error' && !options.url && !panicked && isPanic(event.error)) {
      panicked = true;
      options.onPanic?.(event.error);
    }
  };
  const handle = options.url
    ? await openPostgres(options.url, options.poolSize ?? 10, options.timeouts, health, log)
    : await openPglite(options.dataDir ?? 'data', health, log, options.initialData);
  return { ...handle, observeQueries: (listener) => listeners.push(listener) };
}

const isPanic = (error: unknown) => (error as { severity?: unknown } | null)?.severity === 'PANIC';

async function openPglite(
  dataDir: string,
  health: DatabaseHealth,
  log: (event: LogEvent) => void,
  initialData?: Blob,
): Promise<Omit<DatabaseHandle, 'observeQueries'>> {
  let releaseLock = () => {};
  let location = dataDir;
  if (!dataDir.startsWith('memory://')) {
    mkdirSync(dataDir, { recursive: true });
    releaseLock = acquireDataDirLock(dataDir);
    location = join(dataDir, 'pglite');
  }
  let lite: PGlite;
  try {
    lite = await PGlite.create(location, {
      extensions: pgliteExtensions,
      startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS.flatMap((setting) => ['-c', setting])],
      ...(initialData ? { loadDataDir: initialData } : {}),
    });
  } catch (error) {
    releaseLock();
    throw error;
  }
  // One connection to the one backend, never closed when idle: the statements it has prepared live in
  // that backend, and a second connection would not know of them (it would prepare them again: an error).
  const pool = new pg.Pool({ ...createPgConfig(lite), idleTimeoutMillis: 0 });
  pool.on('connect', (client) => {
    // A connection opened after one was dropped (an error discards it) starts from a clean slate.
    client.query('deallocate all').catch(() => {});
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: namingPool(pool) }), log });
  return {
    db,
    engine: 'pglite',
    health,
    poolUse: poolUseOf(pool),
    withoutStatementTimeout: (work) => work(db),
    async listen(channel, handlers) {
      // In one process the "connection" cannot drop: PGlite calls back as each NOTIFY commits.
      const stop = await lite.listen(channel, handlers.onMessage);
      handlers.onConnected?.();
      return async () => stop();
    },
    dumpDataDir: () => lite.dumpDataDir('none'),
    async close() {
      await db.destroy();
      await lite.close();
      releaseLock();
    },
  };
}

/**
 * The pool as Kysely sees it, whose connections run a statement registered with `namedStatement`
 * (prepared-statements.ts) by its name: pg prepares it once per connection and then only binds.
 */
function namingPool(pool: pg.Pool): PostgresPool {
  const clients = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const naming = (client: pg.PoolClient): PostgresPoolClient => ({
    // biome-ignore lint/suspicious/noExplicitAny: pg's overloads (text and values, or a cursor)
    query: ((sqlOrCursor: any, parameters?: readonly unknown[]) => {
      const name = typeof sqlOrCursor === 'string' ? statementName(sqlOrCursor) : undefined;
      return name
        ? client.query({ name, text: sqlOrCursor, values: parameters as unknown[] })
        : client.query(sqlOrCursor, parameters as unknown[]);
    }) as unknown as PostgresPoolClient['query'],
    release: (destroy) => client.release(destroy),
    get processID() {
      return (client as { processID?: number }).processID;
    },
  });
  return {
    options: pool.options,
    async connect() {
      const client = await pool.connect();
      let own = clients.get(client);
      if (!own) {
        own = naming(client);
        clients.set(client, own);
      }
      return own;
    },
    end: () => pool.end(),
  };
}

/** pg's options for the limits; pg treats 0 and undefined alike as no limit. */
function timeoutOptions(timeouts: DatabaseTimeouts | undefined): pg.PoolConfig {
  if (!timeouts) return {};
  const { connectMs, statementMs, idleInTransactionMs } = timeouts;
  return {
    connectionTimeoutMillis: connectMs,
    ...(statementMs ? { statement_timeout: statementMs, query_timeout: statementMs + CLIENT_GRACE_MS } : {}),
    ...(idleInTransactionMs ? { idle_in_transaction_session_timeout: idleInTransactionMs } : {}),
  };
}

function openPool(url: string, max: number, timeouts: DatabaseTimeouts | undefined): pg.Pool {
  // keepAlive: a server that vanishes without closing the socket is noticed, not waited on forever.
  const pool = new pg.Pool({ connectionString: url, max, keepAlive: true, ...timeoutOptions(timeouts) });
  // An idle client that loses its connection emits 'error' on the pool; without a listener that would
  // crash the process. The next query simply opens a new connection.
  pool.on('error', () => {});
  // A checked-out client loses the pool's listener, and one that is between two statements of a
  // transaction when the server goes away emits 'error' with no query to take it: without this, an
  // uncaught exception. Its next statement fails instead, and the transaction with it.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  return pool;
}

async function openPostgres(
  url: string,
  poolSize: number,
  timeouts: DatabaseTimeouts | undefined,
  health: DatabaseHealth,
  log: (event: LogEvent) => void,
): Promise<Omit<DatabaseHandle, 'observeQueries'>> {
  const pool = openPool(url, poolSize, timeouts);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: namingPool(pool) }), log });
  const listeners = new Set<ReconnectingListener>();
  return {
    db,
    engine: 'postgres',
    health,
    poolUse: poolUseOf(pool),
    async withoutStatementTimeout(work) {
      if (!timeouts?.statementMs) return work(db);
      const unlimited = { connectMs: timeouts.connectMs, statementMs: 0, idleInTransactionMs: 0 };
      const own = new Kysely<Database>({
        dialect: new PostgresDialect({ pool: openPool(url, 1, unlimited) }),
        log,
      });
      try {
        return await work(own);
      } finally {
        await own.destroy();
      }
    },
    async listen(channel, handlers) {
      const listener = new ReconnectingListener(url, channel, handlers, timeouts);
      listeners.add(listener);
      await listener.start();
      return async () => {
        listeners.delete(listener);
        await listener.stop();
      };
    },
    async close() {
      await Promise.all([...listeners].map((listener) => listener.stop()));
      await db.destroy();
    },
  };
}

/** One dedicated connection that LISTENs, opened again (with backoff) whenever it drops. */
class ReconnectingListener {
  readonly #url: string;
  readonly #channel: string;
  readonly #handlers: ListenHandlers;
  #client: pg.Client | undefined;
  #stopped = false;
  #retryMs = RECONNECT_MIN_MS;
  #timer: NodeJS.Timeout | undefined;
  readonly #timeouts: DatabaseTimeouts | undefined;

  constructor(url: string, channel: string, handlers: ListenHandlers, timeouts?: DatabaseTimeouts) {
    this.#url = url;
    this.#channel = channel;
    this.#handlers = handlers;
    this.#timeouts = timeouts;
  }

  async start(): Promise<void> {
    await this.#connect();
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    // keepAlive: a peer that vanishes without closing the socket is noticed, not waited on forever. The
    // time limits make a server that stops answering while we connect a failure to retry, not a hang.
    const client = new pg.Client({
      connectionString: this.#url,
      keepAlive: true,
      ...timeoutOptions(this.#timeouts),
    });
    let lost = false;
    const onLost = (error: unknown) => {
      if (lost) return;
      lost = true;
      if (this.#client === client) this.#client = undefined;
      client.end().catch(() => {});
      if (this.#stopped) return;
      this.#handlers.onDisconnected?.(error);
      this.#timer = setTimeout(() => {
        this.#connect().catch(() => {});
      }, this.#retryMs);
      this.#timer.unref();
      this.#retryMs = Math.min(this.#retryMs * 2, RECONNECT_MAX_MS);
    };
    client.on('error', onLost);
    client.on('end', () => onLost(new Error('LISTEN connection closed')));
    client.on('notification', (message) => {
      if (message.channel === this.#channel) this.#handlers.onMessage(message.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`listen ${pg.escapeIdentifier(this.#channel)}`);
    } catch (error) {
      onLost(error);
      return;
    }
    if (this.#stopped || lost) {
      if (this.#stopped) await client.end().catch(() => {});
      return;
    }
    this.#client = client;
    this.#retryMs = RECONNECT_MIN_MS;
    this.#handlers.onConnected?.();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }
}
