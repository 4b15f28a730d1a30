import type { FastifyInstance } from 'fastify';
import { sameString } from '../platform/hashing.ts';
import type { Metrics } from '../platform/metrics.ts';

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * GET /metrics in Prometheus's text format; with a token, only for a scrape that sends it as a bearer
 * (Prometheus's `authorization: { credentials_file: … }`). The refusal is written here rather than thrown,
 * so that the metrics listener, which has none of the API's error handling, answers in the same shape.
 */
export function metricsRoute(
  app: FastifyInstance,
  services: { metrics: Metrics },
  settings: { token: string | undefined },
): void {
  const expected = settings.token === undefined ? undefined : `Bearer ${settings.token}`;
  app.get(
    '/metrics',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['Operations'],
        summary: 'Prometheus metrics',
        description:
          'Text exposition format: request latency by route, authentications and cache results, the database ' +
          'pool and statement latency, last-used flushes, background jobs, memory (docs/OPERATIONS.md). With ' +
          '`TESSERA_METRICS_TOKEN` set, a scrape must send `Authorization: Bearer <that token>` (401 ' +
          'otherwise); with `TESSERA_METRICS_PORT` set, it is served on that port and not on this one.',
      },
    },
    (request, reply) => {
      if (expected !== undefined) {
        const sent = request.headers.authorization;
        if (sent === undefined || !sameString(sent, expected)) {
          return reply
            .status(401)
            .header('www-authenticate', 'Bearer realm="tessera-metrics"')
            .header('cache-control', 'no-store')
            .send({
              code: 'authentication_required',
              message: 'Send the metrics token (TESSERA_METRICS_TOKEN) as "Authorization: Bearer <token>".',
            });
        }
      }
      return reply.header('content-type', CONTENT_TYPE).send(services.metrics.render());
    },
  );
}
