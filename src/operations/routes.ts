import { z } from 'zod';
import { STORAGE_FULL_HOLD_MS } from '../platform/health.ts';
import type { App } from '../platform/http/types.ts';
import type { Metrics } from '../platform/metrics.ts';
import { READY_TIMEOUT_MS, type Readiness } from '../platform/readiness.ts';
import { metricsRoute } from './metrics-route.ts';

export function operationRoutes(
  app: App,
  services: { readiness: Readiness; metrics: Metrics },
  settings: { port: number | undefined; token: string | undefined },
): void {
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
      const failure = await services.readiness();
      if (failure) {
        request.log.warn({ err: failure.error, reason: failure.reason }, 'not ready');
        return reply
          .status(503)
          .send({ status: 'unavailable' as const, reason: failure.reason, message: failure.message });
      }
      return { status: 'ok' as const };
    },
  );

  // On its own listener instead, when TESSERA_METRICS_PORT says so (server.ts).
  if (settings.port === undefined) metricsRoute(app, services, settings);
}
