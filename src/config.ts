import { z } from 'zod';
import type { AttemptLimits } from './auth/index.ts';
import type { NotificationOptions } from './notifications/index.ts';
import type { DatabaseTimeouts } from './platform/database.ts';
import { StartupError } from './platform/errors.ts';
import { GroupMapping, isLoopbackHttp, type SsoSettings } from './sso/index.ts';

const flag = z
  .enum(['0', '1', 'true', 'false', 'yes', 'no', ''])
  .transform((v) => (v === '' ? undefined : ['1', 'true', 'yes'].includes(v)));

/** A failure budget: 0 turns the limit off. */
const count = z.coerce.number().int().min(0).max(1_000_000);
const windowSeconds = z.coerce.number().int().min(1).max(86_400);
/** RFC 9110's token: the characters a header field name may hold. */
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name');
/** A time limit on the database: 0 turns it off. */
const dbTimeout = z.coerce.number().int().min(0).max(3_600_000);
/** Text that may be left empty, as compose files often do: empty is unset. */
const optionalText = (max: number) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.string().trim().min(1).max(max).optional());
const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .refine((v) => !/[?#]/.test(v), 'must have no query or fragment');
/** Where people reach Tessera; kept without a trailing slash, as paths are appended to it. */
const publicUrl = z.preprocess(
  (v) => (v === '' ? undefined : v),
  httpUrl
    .refine(
      (v) => new URL(v).pathname === '/',
      'must have no path: Tessera is served at the root of its host',
    )
    .transform((v) => v.replace(/\/+$/, ''))
    .optional(),
);
/** As the provider spells it (a trailing slash included): discovery compares it exactly. */
const issuer = z.preprocess(
  (v) => (v === '' ? undefined : v),
  httpUrl
    .refine(
      (v) => v.startsWith('https:') || isLoopbackHttp(new URL(v)),
      'must be an https:// URL (plain http only for a provider on this machine)',
    )
    .optional(),
);
const groupMapping = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON, e.g. {"tessera-admins": {"role": "admin"}}' });
        return z.NEVER;
      }
    })
    .pipe(GroupMapping)
    .optional(),
);

/** Every setting Tessera reads, all from the environment; docs/CONFIGURATION.md lists them. */
const schema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  DATABASE_URL: z.string().min(1).optional(),
  TESSERA_DATA_DIR: z.string().min(1).default('data'),
  TESSERA_DEMO: flag.optional(),
  TESSERA_ADMIN_EMAIL: z.email().optional(),
  TESSERA_ADMIN_PASSWORD: z.string().min(12).max(256).optional(),
  TESSERA_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TESSERA_TRUST_PROXY: z.string().default('false'),
  TESSERA_FORWARDED_PATH_HEADER: headerName.default('X-Forwarded-Uri'),
  TESSERA_SESSION_TTL_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 90)
    .default(12),
  TESSERA_COOKIE_SECURE: flag.optional(),
  TESSERA_LAST_USED_FLUSH_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  TESSERA_DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  TESSERA_DB_CONNECT_TIMEOUT_MS: dbTimeout.default(5000),
  TESSERA_DB_STATEMENT_TIMEOUT_MS: dbTimeout.default(10_000),
  TESSERA_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: dbTimeout.default(30_000),
  TESSERA_WEB_DIR: z.string().min(1).default('dist/web'),
  TESSERA_AUTH_FAILURES_PER_ADDRESS: count.default(100),
  TESSERA_AUTH_FAILURES_PER_TOKEN: count.default(20),
  TESSERA_AUTH_FAILURE_WINDOW_SECONDS: windowSeconds.default(60),
  TESSERA_SIGN_IN_FAILURES_PER_ADDRESS: count.default(30),
  TESSERA_SIGN_IN_FAILURES_PER_EMAIL: count.default(10),
  TESSERA_SIGN_IN_FAILURE_WINDOW_SECONDS: windowSeconds.default(900),
  TESSERA_SSO_STARTS_PER_ADDRESS: count.default(1000),
  TESSERA_AUTH_CACHE_SIZE: z.coerce.number().int().min(0).max(10_000_000).default(100_000),
  TESSERA_AUTH_CACHE_TTL_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
  TESSERA_AUTH_NEGATIVE_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(5_000),
  TESSERA_PUBLIC_URL: publicUrl,
  TESSERA_PASSWORD_SIGN_IN: flag.optional(),
  TESSERA_INTROSPECTION_AUTH: z.enum(['none', 'caller']).default('none'),
  TESSERA_OIDC_ISSUER: issuer,
  TESSERA_OIDC_CLIENT_ID: optionalText(1000),
  TESSERA_OIDC_CLIENT_SECRET: optionalText(10_000),
  TESSERA_OIDC_SCOPES: z
    .string()
    .trim()
    .default('openid email profile')
    .transform((v) => v.split(/\s+/).filter(Boolean).join(' ') || 'openid email profile')
    .refine((v) => v.split(' ').includes('openid'), 'must include openid'),
  TESSERA_OIDC_BUTTON: optionalText(100),
  TESSERA_OIDC_AUTO_CREATE: flag.optional(),
  TESSERA_OIDC_GROUPS_CLAIM: optionalText(200),
  TESSERA_OIDC_GROUP_MAPPING: groupMapping,
  TESSERA_SMTP_URL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional(),
  ),
  TESSERA_MAIL_FROM: optionalText(320),
  TESSERA_NOTIFY_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  TESSERA_WEBHOOK_ALLOW_PRIVATE: flag.optional(),
  TESSERA_METRICS_PORT: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z.coerce.number().int().min(1).max(65535).optional(),
  ),
  TESSERA_METRICS_HOST: optionalText(255),
  TESSERA_METRICS_TOKEN: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .min(16, 'must be at least 16 characters (openssl rand -hex 32 makes one)')
      .max(1000)
      .regex(/^[\x21-\x7e]+$/, 'must be visible ASCII without spaces, as a bearer token is sent')
      .optional(),
  ),
});

type Env = z.infer<typeof schema>;

/** The settings that only make sense together, each missing one named. */
function checkTogether(e: Env): string[] {
  const problems: string[] = [];
  const sso = e.TESSERA_OIDC_ISSUER !== undefined;
  if (sso) {
    for (const name of [
      'TESSERA_OIDC_CLIENT_ID',
      'TESSERA_OIDC_CLIENT_SECRET',
      'TESSERA_PUBLIC_URL',
    ] as const) {
      if (e[name] === undefined) problems.push(`${name}: required with TESSERA_OIDC_ISSUER`);
    }
  } else {
    for (const name of [
      'TESSERA_OIDC_CLIENT_ID',
      'TESSERA_OIDC_CLIENT_SECRET',
      'TESSERA_OIDC_GROUPS_CLAIM',
      'TESSERA_OIDC_GROUP_MAPPING',
    ] as const) {
      if (e[name] !== undefined) problems.push(`TESSERA_OIDC_ISSUER: required with ${name}`);
    }
    if (e.TESSERA_PASSWORD_SIGN_IN === false) {
      problems.push(
        'TESSERA_PASSWORD_SIGN_IN: 0 needs single sign-on (TESSERA_OIDC_ISSUER), or nobody can sign in',
      );
    }
  }
  if (sso && (e.TESSERA_OIDC_GROUPS_CLAIM === undefined) !== (e.TESSERA_OIDC_GROUP_MAPPING === undefined)) {
    problems.push(
      e.TESSERA_OIDC_GROUPS_CLAIM === undefined
        ? 'TESSERA_OIDC_GROUPS_CLAIM: required with TESSERA_OIDC_GROUP_MAPPING'
        : 'TESSERA_OIDC_GROUP_MAPPING: required with TESSERA_OIDC_GROUPS_CLAIM',
    );
  }
  if (e.TESSERA_SMTP_URL !== undefined && e.TESSERA_MAIL_FROM === undefined) {
    problems.push('TESSERA_MAIL_FROM: required with TESSERA_SMTP_URL');
  }
  if (e.TESSERA_METRICS_HOST !== undefined && e.TESSERA_METRICS_PORT === undefined) {
    problems.push('TESSERA_METRICS_PORT: required with TESSERA_METRICS_HOST');
  }
  if (e.TESSERA_METRICS_PORT !== undefined && e.TESSERA_METRICS_PORT === e.PORT) {
    problems.push('TESSERA_METRICS_PORT: must differ from PORT');
  }
  return problems;
}

export interface Config {
  host: string;
  port: number;
  databaseUrl: string | undefined;
  dataDir: string;
  /** Seed the demo workspace into an empty database. Defaults to on for the embedded database only. */
  demo: boolean;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  logLevel: string;
  /** Fastify's trustProxy: false, true, or a list of proxy addresses / CIDR ranges to trust. */
  trustProxy: boolean | string[];
  /** The one header `/auth/check` reads the proxied path from, as the operator spelled it. */
  forwardedPathHeader: string;
  /**
   * `caller`: POST /api/introspect needs the caller's own token, with the scope `introspect` (RFC 7662
   * §2.1); `none`: the token in the body is the only credential.
   */
  introspectionAuth: 'none' | 'caller';
  sessionTtlHours: number;
  /** Force the Secure cookie flag; by default it is set when the request came over HTTPS. */
  cookieSecure: boolean | undefined;
  lastUsedFlushMs: number;
  dbPoolSize: number;
  /** PostgreSQL's time limits, so that a database that stops answering cannot hang requests. */
  dbTimeouts: DatabaseTimeouts;
  webDir: string;
  /** Brute-force limits: failures per key per window (docs/SECURITY.md). */
  attemptLimits: AttemptLimits;
  /** Verified tokens kept in memory (0 turns the verification cache off). */
  authCacheSize: number;
  /** How long a cached verification is trusted without a change notice, as a backstop for hand edits. */
  authCacheTtlMs: number;
  /** How long an unknown (well-formed) secret is remembered as unknown. */
  authNegativeTtlMs: number;
  /** Where people reach Tessera (TESSERA_PUBLIC_URL), without a trailing slash; links and redirects use it. */
  publicUrl: string | undefined;
  /** False: the password form is hidden and only a password from `tessera reset-password` signs in. */
  passwordSignIn: boolean;
  /** Single sign-on through OpenID Connect; undefined when TESSERA_OIDC_ISSUER is not set. */
  sso: SsoSettings | undefined;
  /** Emails and webhooks (docs/NOTIFICATIONS.md). */
  notifications: NotificationOptions & { intervalSeconds: number };
  /** Where /metrics is served, and whether a scrape must bring a bearer (docs/OPERATIONS.md). */
  metrics: MetricsSettings;
}

export interface MetricsSettings {
  /** A listener of its own for /metrics, which the main port then no longer serves; undefined: the main port. */
  port: number | undefined;
  /** The metrics listener's address (default: HOST). */
  host: string;
  /** The bearer a scrape must send; undefined: none. */
  token: string | undefined;
}

/** A start refused for a reason the operator fixes in the environment: printed as is, without a stack. */
export class ConfigError extends StartupError {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const problems = checkTogether(e);
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return {
    host: e.HOST,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.TESSERA_DATA_DIR,
    demo: e.TESSERA_DEMO ?? !e.DATABASE_URL,
    adminEmail: e.TESSERA_ADMIN_EMAIL,
    adminPassword: e.TESSERA_ADMIN_PASSWORD,
    logLevel: e.TESSERA_LOG_LEVEL,
    trustProxy: parseTrustProxy(e.TESSERA_TRUST_PROXY),
    forwardedPathHeader: e.TESSERA_FORWARDED_PATH_HEADER,
    introspectionAuth: e.TESSERA_INTROSPECTION_AUTH,
    sessionTtlHours: e.TESSERA_SESSION_TTL_HOURS,
    cookieSecure: e.TESSERA_COOKIE_SECURE,
    lastUsedFlushMs: e.TESSERA_LAST_USED_FLUSH_MS,
    dbPoolSize: e.TESSERA_DB_POOL_SIZE,
    dbTimeouts: {
      connectMs: e.TESSERA_DB_CONNECT_TIMEOUT_MS,
      statementMs: e.TESSERA_DB_STATEMENT_TIMEOUT_MS,
      idleInTransactionMs: e.TESSERA_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    },
    webDir: e.TESSERA_WEB_DIR,
    attemptLimits: {
      authPerAddress: {
        max: e.TESSERA_AUTH_FAILURES_PER_ADDRESS,
        windowMs: e.TESSERA_AUTH_FAILURE_WINDOW_SECONDS * 1000,
      },
      authPerToken: {
        max: e.TESSERA_AUTH_FAILURES_PER_TOKEN,
        windowMs: e.TESSERA_AUTH_FAILURE_WINDOW_SECONDS * 1000,
      },
      signInPerAddress: {
        max: e.TESSERA_SIGN_IN_FAILURES_PER_ADDRESS,
        windowMs: e.TESSERA_SIGN_IN_FAILURE_WINDOW_SECONDS * 1000,
      },
      signInPerEmail: {
        max: e.TESSERA_SIGN_IN_FAILURES_PER_EMAIL,
        windowMs: e.TESSERA_SIGN_IN_FAILURE_WINDOW_SECONDS * 1000,
      },
      ssoStartsPerAddress: {
        max: e.TESSERA_SSO_STARTS_PER_ADDRESS,
        windowMs: e.TESSERA_SIGN_IN_FAILURE_WINDOW_SECONDS * 1000,
      },
    },
    authCacheSize: e.TESSERA_AUTH_CACHE_SIZE,
    authCacheTtlMs: e.TESSERA_AUTH_CACHE_TTL_MS,
    authNegativeTtlMs: e.TESSERA_AUTH_NEGATIVE_TTL_MS,
    publicUrl: e.TESSERA_PUBLIC_URL,
    passwordSignIn: e.TESSERA_PASSWORD_SIGN_IN ?? true,
    metrics: {
      port: e.TESSERA_METRICS_PORT,
      host: e.TESSERA_METRICS_HOST ?? e.HOST,
      token: e.TESSERA_METRICS_TOKEN,
    },
    sso: e.TESSERA_OIDC_ISSUER
      ? {
          issuer: e.TESSERA_OIDC_ISSUER,
          clientId: e.TESSERA_OIDC_CLIENT_ID!,
          clientSecret: e.TESSERA_OIDC_CLIENT_SECRET!,
          publicUrl: e.TESSERA_PUBLIC_URL!,
          scopes: e.TESSERA_OIDC_SCOPES,
          buttonLabel: e.TESSERA_OIDC_BUTTON ?? 'Sign in with single sign-on',
          autoCreate: e.TESSERA_OIDC_AUTO_CREATE ?? false,
          groupsClaim: e.TESSERA_OIDC_GROUPS_CLAIM,
          groupMapping: e.TESSERA_OIDC_GROUP_MAPPING,
        }
      : undefined,
    notifications: {
      smtpUrl: e.TESSERA_SMTP_URL,
      mailFrom: e.TESSERA_MAIL_FROM ?? 'tessera@localhost',
      publicUrl: e.TESSERA_PUBLIC_URL,
      allowPrivate: e.TESSERA_WEBHOOK_ALLOW_PRIVATE ?? false,
      intervalSeconds: e.TESSERA_NOTIFY_INTERVAL_SECONDS,
    },
  };
}

function parseTrustProxy(value: string): Config['trustProxy'] {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0' || value === '') return false;
  return value.split(',').map((v) => v.trim());
}
