import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { Kysely, type KyselyConfig, PostgresDialect } from 'kysely';
import pg from 'pg';
import { acquireDataDirLock } from './data-dir-lock.ts';
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
  close(): Promise<void>;
}

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
  /** Kysely's query log (the benchmarks use it to EXPLAIN the queries the lists run). */
  log?: KyselyConfig['log'];
  /**
   * Start the embedded database from these files (a PGlite `dumpDataDir()` tarball) instead of creating
   * a new cluster, which takes seconds: the tests give each file a copy of one migrated database.
   */
  initialData?: Blob;
}

/** The extensions the migrations create, which the embedded database must load on every start. */
const pgliteExtensions = { pg_trgm };

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  return options.url
    ? openPostgres(options.url, options.poolSize ?? 10, options.log)
    : openPglite(options.dataDir ?? 'data', options.log, options.initialData);
}

async function openPglite(
  dataDir: string,
  log?: KyselyConfig['log'],
  initialData?: Blob,
): Promise<DatabaseHandle> {
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
      ...(initialData ? { loadDataDir: initialData } : {}),
    });
  } catch (error) {
    releaseLock();
    throw error;
  }
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new pg.Pool(createPgConfig(lite)) }),
    ...(log ? { log } : {}),
  });
  return {
    db,
    engine: 'pglite',
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

async function openPostgres(
  url: string,
  poolSize: number,
  log?: KyselyConfig['log'],
): Promise<DatabaseHandle> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client that loses its connection emits 'error' on the pool; without a listener that would
  // crash the process. The next query simply opens a new connection.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), ...(log ? { log } : {}) });
  const listeners = new Set<ReconnectingListener>();
  return {
    db,
    engine: 'postgres',
    async listen(channel, handlers) {
      const listener = new ReconnectingListener(url, channel, handlers);
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

  constructor(url: string, channel: string, handlers: ListenHandlers) {
    this.#url = url;
    this.#channel = channel;
    this.#handlers = handlers;
  }

  async start(): Promise<void> {
    await this.#connect();
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    // keepAlive: a peer that vanishes without closing the socket is noticed, not waited on forever.
    const client = new pg.Client({ connectionString: this.#url, keepAlive: true });
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
