import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { App } from '../platform/http/types.ts';
import type { Metrics } from '../platform/metrics.ts';
import type { Database } from '../platform/schema.ts';

export function operationRoutes(app: App, services: { db: Kysely<Database>; metrics: Metrics }): void {
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

  app.get(
    '/readyz',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['Operations'],
        summary: 'Readiness: the database answers',
        response: {
          200: z.object({ status: z.literal('ok') }),
          503: z.object({ status: z.literal('unavailable') }),
        },
      },
    },
    async (request, reply) => {
      try {
        await sql`select 1`.execute(services.db);
        return { status: 'ok' as const };
      } catch (error) {
        request.log.warn({ err: error }, 'database not ready');
        return reply.status(503).send({ status: 'unavailable' as const });
      }
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
