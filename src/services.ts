import type { Kysely } from 'kysely';
import { AccountService } from './accounts/index.ts';
import { AuditLog } from './audit/index.ts';
import {
  CacheRefresher,
  lookUpVerifications,
  SessionService,
  TokenAuthenticator,
  VerificationCache,
} from './auth/index.ts';
import { IssuerKeys, TokenExchange, TrustPolicies } from './federation/index.ts';
import { createNotifications, type NotificationOptions } from './notifications/index.ts';
import { ChangeFeed } from './platform/change-feed.ts';
import type { Clock } from './platform/clock.ts';
import type { DatabaseHandle } from './platform/database.ts';
import type { DatabaseHealth } from './platform/health.ts';
import { JobLeases } from './platform/job-leases.ts';
import { Metrics } from './platform/metrics.ts';
import { DatabaseOutage } from './platform/outage.ts';
import { readinessProbe } from './platform/readiness.ts';
import { Scheduler } from './platform/scheduler.ts';
import type { Database } from './platform/schema.ts';
import { recordSpan, tracingOn } from './platform/tracing.ts';
import { type RelyingParty, SsoService, type SsoSettings } from './sso/index.ts';
import { TeamService } from './teams/index.ts';
import {
  LastUsedRecorder,
  LeakedSecrets,
  ScopeCatalog,
  TokenPolicies,
  TokenService,
  TokenUsage,
} from './tokens/index.ts';

export interface ServiceOptions {
  db: Kysely<Database>;
  /** What the database's own queries show of it (a full disk); readiness reports it. */
  health?: DatabaseHealth;
  clock: Clock;
  lastUsedFlushMs: number;
  sessionTtlHours: number;
  /** A background job failed; the job goes on at its next turn. */
  onBackgroundError: (error: unknown, job: string) => void;
  /** The verification cache's bounds; defaults as in docs/CONFIGURATION.md. */
  authCache?: { size: number; ttlMs: number; negativeTtlMs: number };
  /** TESSERA_PASSWORD_SIGN_IN; default true. */
  passwordSignIn?: boolean;
  /** The database's statements and pool, for /metrics. */
  database?: Pick<DatabaseHandle, 'observeQueries' | 'poolUse'>;
  /** Single sign-on, with its provider already discovered (`RelyingParty.discover`). */
  sso?: { settings: SsoSettings; relyingParty: RelyingParty } | undefined;
  /** Emails and webhooks; by default no SMTP and no private webhook addresses. */
  notifications?: (NotificationOptions & { intervalSeconds: number }) | undefined;
}

const SESSION_PURGE_MS = 60 * 60 * 1000;
const SSO_SIGN_IN_PURGE_MS = 10 * 60 * 1000;
const INACTIVITY_SWEEP_MS = 60 * 60 * 1000;
/** How often the outbox is emptied and due webhooks and emails are sent. */
const DELIVERY_MS = 1000;
/** Usage counts older than 90 days go once an hour, on one node of the cluster. */
const USAGE_RETENTION_MS = 60 * 60 * 1000;

export const AUTH_CACHE_DEFAULTS = { size: 100_000, ttlMs: 60_000, negativeTtlMs: 5_000 };

/** Every use case, wired to one database, one clock and one set of metrics. */
export function createServices(options: ServiceOptions) {
  const { db, clock } = options;
  const metrics = new Metrics();
  const changes = new ChangeFeed();
  const cacheOptions = options.authCache ?? AUTH_CACHE_DEFAULTS;
  const authCache = new VerificationCache({
    maxEntries: cacheOptions.size,
    ttlMs: cacheOptions.ttlMs,
    negativeTtlMs: cacheOptions.negativeTtlMs,
  });
  changes.subscribe((change) => authCache.apply(change));
  metrics.gauge(
    'tessera_auth_cache_entries',
    'Verified tokens held in the verification cache.',
    () => authCache.size,
  );
  if (options.database) observeDatabase(metrics, options.database);
  const audit = new AuditLog({ db, clock });
  const notificationOptions = options.notifications ?? {
    smtpUrl: undefined,
    mailFrom: 'tessera@localhost',
    publicUrl: undefined,
    allowPrivate: false,
    intervalSeconds: 300,
  };
  const notifications = createNotifications(
    { db, clock, audit, onMailError: (error) => options.onBackgroundError(error, 'email') },
    notificationOptions,
  );
  const lastUsed = new LastUsedRecorder({ db, metrics });
  // Built and compiled once: the statement every cache miss and refresh runs.
  const verificationLookup = lookUpVerifications(db);
  const authCacheRefresher = new CacheRefresher({ lookup: verificationLookup, cache: authCache, metrics });
  const sessions = new SessionService({
    db,
    clock,
    audit,
    metrics,
    ttlHours: options.sessionTtlHours,
    passwordSignIn: options.passwordSignIn ?? true,
  });
  const accounts = new AccountService({
    db,
    clock,
    audit,
    changes,
    passwordSignIn: options.passwordSignIn ?? true,
  });
  const sso = options.sso
    ? new SsoService({ db, clock, audit, accounts, sessions, ...options.sso })
    : undefined;
  const tokenPolicies = new TokenPolicies({ db, clock, audit, changes });
  const scheduler = new Scheduler(options.onBackgroundError, new JobLeases({ db, clock }), (job, run) =>
    metrics.timeJob(job, run),
  );
  scheduler.every('last-used flush', options.lastUsedFlushMs, () => lastUsed.flush());
  scheduler.every('failed-authentication summary', options.lastUsedFlushMs, () => audit.flushFailures());
  // Often enough that an entry is read again well before its TTL (the refresh asks at 3/4 of it).
  const refreshMs = cacheOptions.ttlMs > 0 ? Math.max(10, Math.min(1000, cacheOptions.ttlMs / 8)) : 1000;
  scheduler.every('verification refresh', refreshMs, () => authCacheRefresher.refresh());
  scheduler.every('session purge', SESSION_PURGE_MS, () => sessions.purgeExpired());
  if (sso) scheduler.every('single sign-on purge', SSO_SIGN_IN_PURGE_MS, () => sso.purgeExpired());
  // Once an hour for the whole cluster, on one node at a time, whichever nodes restart meanwhile.
  scheduler.exclusive('inactivity sweep', INACTIVITY_SWEEP_MS, () => tokenPolicies.sweep());
  // Every node empties the outbox (rows are claimed before they are sent); expiry warnings run on one.
  scheduler.every('notification delivery', DELIVERY_MS, () => notifications.delivery.run());
  scheduler.every('notification purge', SESSION_PURGE_MS, () => notifications.delivery.purge());
  scheduler.exclusive('expiry warnings', notificationOptions.intervalSeconds * 1000, () =>
    notifications.expiryWarnings.run(),
  );
  const tokens = new TokenService({ db, clock, audit, lastUsed, changes });
  const tokenUsage = new TokenUsage({ db, clock, tokens });
  scheduler.exclusive('usage retention', USAGE_RETENTION_MS, () => tokenUsage.sweep());
  return {
    db,
    readiness: readinessProbe(db, options.health),
    /** Logs an outage once when it starts and once when it ends; without `health`, never sees the end. */
    outage: options.health?.outage ?? new DatabaseOutage(),
    clock,
    metrics,
    changes,
    authCache,
    authCacheRefresher,
    audit,
    lastUsed,
    /** The background jobs above; `start` them once the app serves. */
    scheduler,
    tokens,
    tokenUsage,
    trustPolicies: new TrustPolicies({ db, clock, audit }),
    exchange: new TokenExchange({ db, clock, audit, tokens, keys: new IssuerKeys() }),
    leakedSecrets: new LeakedSecrets({ db, clock, audit, lastUsed, changes }),
    tokenPolicies,
    /** Emails, webhooks and their outbox (docs/NOTIFICATIONS.md). */
    notifications,
    webhooks: notifications.webhooks,
    notificationSettings: notifications.notificationSettings,
    scopes: new ScopeCatalog({ db, clock, audit, changes }),
    accounts,
    teams: new TeamService({ db, audit, clock, changes }),
    sessions,
    /** Undefined when single sign-on is not configured. */
    sso,
    authenticator: new TokenAuthenticator({
      lookup: verificationLookup,
      clock,
      lastUsed,
      audit,
      metrics,
      cache: authCache,
    }),
  };
}

export type Services = ReturnType<typeof createServices>;

function observeDatabase(metrics: Metrics, database: Pick<DatabaseHandle, 'observeQueries' | 'poolUse'>) {
  const ok = metrics.databaseQueryDuration.handle({ outcome: 'ok' });
  const error = metrics.databaseQueryDuration.handle({ outcome: 'error' });
  database.observeQueries((event) => {
    (event.level === 'error' ? error : ok).observe(event.queryDurationMillis / 1000);
    // Under the request's span when tracing: the statement's text (with $1 placeholders, never the values).
    if (tracingOn()) {
      recordSpan(
        'db query',
        event.queryDurationMillis,
        { 'db.system.name': 'postgresql', 'db.query.text': event.query.sql },
        event.level === 'error' ? event.error : undefined,
      );
    }
  });
  metrics.labelledGauge(
    'tessera_db_pool_connections',
    'Database connections in the pool, by state: in use, idle, or the most allowed.',
    () => {
      const use = database.poolUse();
      return [
        [{ state: 'in_use' }, use.total - use.idle],
        [{ state: 'idle' }, use.idle],
        [{ state: 'max' }, use.max],
      ];
    },
  );
  metrics.gauge(
    'tessera_db_pool_waiting',
    'Queries waiting for a free database connection.',
    () => database.poolUse().waiting,
  );
}
