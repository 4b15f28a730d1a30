// Health, readiness and metrics.
export { metricsListener } from './metrics-listener.ts';
export { operationRoutes } from './routes.ts';
