import { type Kysely, sql } from 'kysely';
import { databaseFailure } from './database-errors.ts';
import type { DatabaseHealth } from './health.ts';
import type { Database } from './schema.ts';

/** Whether this node can serve: undefined when it can, else why not. */
export type Readiness = () => Promise<NotReady | undefined>;

/**
 * How long readiness waits for the database. Shorter than the database's own time limits: a probe that
 * gets no quick answer has its answer, and a load balancer's probe gives up after a second or two.
 */
export const READY_TIMEOUT_MS = 2000;

export interface NotReady {
  reason: 'database_unavailable' | 'storage_full';
  message: string;
  error?: unknown;
}

/**
 * `select 1` within READY_TIMEOUT_MS, then what the database's writes have shown. While one probe is
 * waiting on a database that does not answer, the next probes wait on the same query rather than each
 * taking another connection.
 */
export function readinessProbe(db: Kysely<Database>, health?: DatabaseHealth): Readiness {
  let pending: Promise<unknown> | undefined;
  return async () => {
    pending ??= sql`select 1`.execute(db).finally(() => {
      pending = undefined;
    });
    const query = pending;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), READY_TIMEOUT_MS);
    });
    try {
      if ((await Promise.race([query, timedOut])) === 'timeout') {
        return {
          reason: 'database_unavailable',
          message: `The database did not answer within ${READY_TIMEOUT_MS} ms.`,
        };
      }
    } catch (error) {
      return databaseFailure(error) === 'storage_full'
        ? { reason: 'storage_full', message: 'The database has run out of storage space.', error }
        : { reason: 'database_unavailable', message: 'The database refused the readiness query.', error };
    } finally {
      clearTimeout(timer);
    }
    if (health?.storageFull) {
      return {
        reason: 'storage_full',
        message: 'A write was refused because the database has run out of storage space.',
      };
    }
    return undefined;
  };
}
