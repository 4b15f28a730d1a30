import type { FastifyServerOptions } from 'fastify';
import { buildApp, LOG_REDACT } from './app.ts';
import { bootstrap, type FirstStart } from './bootstrap/index.ts';
import { type Config, loadConfig } from './config.ts';
import { metricsListener } from './operations/index.ts';
import { ChangeNotifier } from './platform/change-notifier.ts';
import { systemClock } from './platform/clock.ts';
import { openDatabase } from './platform/database.ts';
import { migrateToLatest } from './platform/migrate.ts';
import { assertPortFree, PortInUseError, portProblem } from './platform/port-check.ts';
import { startTracing } from './platform/tracing.ts';
import { createServices } from './services.ts';
import { RelyingParty } from './sso/index.ts';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  return { level: config.logLevel, redact: { paths: LOG_REDACT, censor: '[redacted]' } };
}

/** Open the database, migrate, seed a first start, and listen. `close()` drains and flushes everything. */
export async function startServer(config: Config = loadConfig()): Promise<RunningServer> {
  const started = performance.now();
  await assertPortFree(config.host, config.port);
  // Before anything that makes spans; only when an OTLP endpoint is set (docs/OPERATIONS.md).
  const tracing = await startTracing();
  if (config.metrics.port !== undefined) {
    await assertPortFree(config.metrics.host, config.metrics.port).catch((error: unknown) => {
      throw metricsPortProblem(error, config);
    });
  }
  // Before the database: a provider that cannot be discovered stops the start at once, with one line.
  const relyingParty = config.sso ? await RelyingParty.discover(config.sso) : undefined;
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.dbPoolSize,
    timeouts: config.dbTimeouts,
    onPanic: (error) => {
      // Every later query would hang: exit, so that the kernel frees the data directory and a supervisor
      // (systemd, Docker, Kubernetes) starts Tessera again, which replays the write-ahead log.
      app?.log.fatal({ err: error }, 'the embedded database stopped');
      process.stderr.write(
        `\nThe embedded database stopped: ${(error as Error).message}\n` +
          'It answers nothing more in this process, so Tessera exits. Fix the cause (free disk space) and ' +
          'start it again: it recovers from its write-ahead log.\n',
      );
      process.exit(1);
    },
  });
  try {
    await database.withoutStatementTimeout(migrateToLatest);
  } catch (error) {
    await database.close();
    throw error;
  }
  const clock = systemClock;
  const services = createServices({
    db: database.db,
    health: database.health,
    database,
    clock,
    lastUsedFlushMs: config.lastUsedFlushMs,
    sessionTtlHours: config.sessionTtlHours,
    onBackgroundError: (error, job) => app?.log.error({ err: error, job }, 'background job failed'),
    authCache: {
      size: config.authCacheSize,
      ttlMs: config.authCacheTtlMs,
      negativeTtlMs: config.authNegativeTtlMs,
    },
    passwordSignIn: config.passwordSignIn,
    sso: config.sso && relyingParty ? { settings: config.sso, relyingParty } : undefined,
    notifications: config.notifications,
  });
  // Changes reach the other nodes' verification caches through LISTEN/NOTIFY; until this node listens,
  // its cache stays off.
  const notifier = new ChangeNotifier({
    db: database.db,
    feed: services.changes,
    cache: services.authCache,
    listen: database.listen,
    onError: (error, message) => app?.log.warn({ err: error }, message),
  });
  await notifier.start();
  const first = await bootstrap(database.db, clock, {
    adminEmail: config.adminEmail,
    adminPassword: config.adminPassword,
    demo: config.demo,
  });
  app = await buildApp({ services, config, logger: loggerOptions(config) });

  services.scheduler.start();

  let address: string;
  try {
    address = await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    // Taken between the check and now: the first start's password must still reach the person.
    await app.close();
    await notifier.stop();
    await services.scheduler.stop();
    await database.close();
    const problem = portProblem(error, config.host, config.port);
    if (!problem) throw error;
    if (first.firstStart && first.generatedPassword) {
      problem.message += `\nThe first admin was created meanwhile: sign in as ${first.adminEmail} with the password ${first.generatedPassword}  (shown only now)`;
    }
    throw problem;
  }
  const metrics = config.metrics.port === undefined ? undefined : metricsListener(services, config.metrics);
  if (metrics) {
    try {
      const metricsAddress = await metrics.listen({ host: config.metrics.host, port: config.metrics.port! });
      app.log.info({ url: `${metricsAddress}/metrics` }, 'metrics listening');
    } catch (error) {
      await app.close();
      await notifier.stop();
      await services.scheduler.stop();
      await database.close();
      throw metricsPortProblem(error, config);
    }
  }
  const url = address.replace('://[::1]', '://localhost');
  app.log.info(
    { url, engine: database.engine, startup_ms: Math.round(performance.now() - started) },
    'tessera listening',
  );
  if (!services.notifications.mailer.configured) {
    app.log.info('no email is sent: TESSERA_SMTP_URL is not set (docs/NOTIFICATIONS.md)');
  }
  printWelcome(url, first, database.engine === 'pglite' ? config.dataDir : 'PostgreSQL');

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= (async () => {
        await app.close();
        await metrics?.close();
        await notifier.stop();
        await services.scheduler.stop();
        await services.lastUsed.flush();
        await services.audit.flushFailures();
        await database.close();
        await tracing?.shutdown();
      })();
      return closing;
    },
  };
}

/** The metrics listener's address cannot be had: the same one line, naming the setting to change. */
function metricsPortProblem(error: unknown, config: Config): unknown {
  const problem =
    error instanceof PortInUseError ? error : portProblem(error, config.metrics.host, config.metrics.port!);
  if (!problem) return error;
  problem.message = `TESSERA_METRICS_PORT: ${problem.message.replace(/(Stop it, or choose another port|Choose a port above 1023):.*$/s, '$1.')}`;
  return problem;
}

/** For people, not log processors: stderr, so stdout stays JSON lines. */
function printWelcome(url: string, first: FirstStart, where: string): void {
  const lines = [`\nTessera is running at ${url}  (data: ${where})`];
  if (first.firstStart) {
    lines.push(`Sign in as ${first.adminEmail}`);
    if (first.generatedPassword) {
      lines.push(`  with the password ${first.generatedPassword}  (shown only now; keep it somewhere safe)`);
    } else {
      lines.push('  with the password from TESSERA_ADMIN_PASSWORD');
    }
    if (first.demo) {
      lines.push(
        'The demo workspace is loaded: the people maya.chen@, sam.okafor@, priya.nair@example.com',
        '  sign in with the same password.',
      );
    }
  } else {
    lines.push(
      'Sign in with the account created at first start.',
      'Lost the password? npx tessera reset-password <email>  (with the server stopped, for the embedded database)',
    );
  }
  lines.push(
    `API reference: ${url}/api/docs`,
    'Logs: JSON lines on stdout; TESSERA_LOG_LEVEL=debug adds one per request.\n',
  );
  process.stderr.write(`${lines.join('\n')}\n`);
}
