import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { databaseFailure } from '../../db/errors.ts';
import { databaseHealth, STORAGE_FULL_HOLD_MS } from '../../db/health.ts';
import type { Database } from '../../db/schema.ts';
import type { Services } from '../../services/index.ts';
import type { App } from '../types.ts';

export function operationRoutes(app: App, services: Services): void {
  app.get(
    '/healthz',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['Operations'],
        summary: 'Liveness: the process answers',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  const probe = readinessProbe(services.db);
  app.get(
    '/readyz',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['Operations'],
        summary: 'Readiness: the database answers and has room to write',
        description:
          `503 when the database does not answer \`select 1\` within ${READY_TIMEOUT_MS} ms ` +
          '(`database_unavailable`), or when a write was refused for a full disk in the last ' +
          `${STORAGE_FULL_HOLD_MS / 1000} s and none has succeeded since (\`storage_full\`).`,
        response: {
          200: z.object({ status: z.literal('ok') }),
          503: z.object({
            status: z.literal('unavailable'),
            reason: z.enum(['database_unavailable', 'storage_full']),
            message: z.string(),
          }),
        },
      },
    },
    async (request, reply) => {
      const failure = await probe();
      if (failure) {
        request.log.warn({ err: failure.error, reason: failure.reason }, 'not ready');
        return reply
          .status(503)
          .send({ status: 'unavailable' as const, reason: failure.reason, message: failure.message });
      }
      return { status: 'ok' as const };
    },
  );

  app.get(
    '/metrics',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['Operations'],
        summary: 'Prometheus metrics',
        description:
          'Text exposition format: authentications by result, last-used flushes, sign-ins, memory.',
      },
    },
    async (_request, reply) =>
      reply
        .header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
        .send(services.metrics.render()),
  );
}

/**
 * How long readiness waits for the database. Shorter than the database's own time limits: a probe that
 * gets no quick answer has its answer, and a load balancer's probe gives up after a second or two.
 */
export const READY_TIMEOUT_MS = 2000;

interface NotReady {
  reason: 'database_unavailable' | 'storage_full';
  message: string;
  error?: unknown;
}

/**
 * `select 1` within READY_TIMEOUT_MS, then what the database's writes have shown. While one probe is
 * waiting on a database that does not answer, the next probes wait on the same query rather than each
 * taking another connection.
 */
function readinessProbe(db: Kysely<Database>): () => Promise<NotReady | undefined> {
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
    if (databaseHealth(db)?.storageFull) {
      return {
        reason: 'storage_full',
        message: 'A write was refused because the database has run out of storage space.',
      };
    }
    return undefined;
  };
}
