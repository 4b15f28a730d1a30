// A Tessera app on an in-memory embedded database, for bench/metrics-cost.ts: its request histogram is
// the one the product uses (`in-house`), prom-client's (`prom-client`) or none (`none`), as argv[2] says.
// Prints `<port> <secret>` once it listens.
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { openDatabase } from '../../src/platform/database.ts';
import { migrateToLatest } from '../../src/platform/migrate.ts';
import { createServices } from '../../src/services.ts';

const variant = process.argv[2] ?? 'in-house';
const database = await openDatabase({ dataDir: 'memory://' });
await migrateToLatest(database.db);
const services = createServices({
  db: database.db,
  health: database.health,
  database,
  clock: systemClock,
  lastUsedFlushMs: 1000,
  sessionTtlHours: 12,
  onBackgroundError: () => {},
});
if (variant === 'none') {
  services.metrics.observeRequest = () => {};
} else if (variant === 'prom-client') {
  const { Histogram } = await import('prom-client');
  const histogram = new Histogram({
    name: 'tessera_http_request_duration_seconds',
    help: 'Time from routing a request to the end of its answer.',
    labelNames: ['route', 'method', 'status_class'],
    buckets: [
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ],
  });
  // prom-client's recommended hot-path form: the label values passed on each observation.
  services.metrics.observeRequest = (method, route, statusCode, seconds) =>
    histogram.observe({ route, method, status_class: `${Math.floor(statusCode / 100)}xx` }, seconds);
}
const app = await buildApp({ services, config: loadConfig({ TESSERA_WEB_DIR: 'test/no-console' }) });
const { account } = await services.accounts.createHuman(null, {
  email: 'bench@example.com',
  name: 'Bench',
  password: 'correct horse battery staple',
  role: 'admin',
});
const login = await app.inject({
  method: 'POST',
  url: '/api/auth/login',
  payload: { email: account.email, password: 'correct horse battery staple' },
});
const cookie = login.cookies.find((c) => c.name === 'tessera_session')!.value;
const created = await app.inject({
  method: 'POST',
  url: '/api/tokens',
  headers: { cookie: `tessera_session=${cookie}`, 'x-csrf-token': login.json().csrf_token },
  payload: { name: 'bench', kind: 'personal', expires_in_days: 30 },
});
services.scheduler.start();
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${new URL(address).port} ${created.json().secret}\n`);
