// Health, readiness and metrics.
export { operationRoutes } from './routes.ts';
