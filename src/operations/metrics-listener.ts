import Fastify, { type FastifyInstance } from 'fastify';
import type { Metrics } from '../platform/metrics.ts';
import { metricsRoute } from './metrics-route.ts';

/**
 * /metrics alone, for TESSERA_METRICS_PORT: a port that a firewall or a Kubernetes NetworkPolicy can keep
 * to the Prometheus that scrapes it, while the main port faces everyone. Anything else is a 404.
 */
export function metricsListener(
  services: { metrics: Metrics },
  settings: { token: string | undefined },
): FastifyInstance {
  const app = Fastify({ logger: false });
  metricsRoute(app, services, settings);
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      code: 'not_found',
      message: `Only GET /metrics is served on this port, not ${request.method}.`,
    }),
  );
  return app;
}
