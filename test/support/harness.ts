import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { AccountView } from '../../src/accounts/views.ts';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Role } from '../../src/core/roles.ts';
import type { App } from '../../src/platform/http/types.ts';
import { createServices, type Services } from '../../src/services.ts';
import { RelyingParty } from '../../src/sso/index.ts';
import type { TokenView } from '../../src/tokens/views.ts';
import { TestClock } from './clock.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

export const PASSWORD = 'correct horse battery staple';
export const START = new Date('2026-11-22T12:00:00.000Z');
export const SESSION_TTL_HOURS = 24 * 400;

export interface Session {
  cookie: string;
  csrf: string;
  account: AccountView;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE' | 'HEAD' | 'OPTIONS';
  url: string;
  body?: unknown;
  /** A bearer secret. */
  token?: string;
  session?: Session;
  headers?: Record<string, string>;
  /** The client address Fastify sees (default 127.0.0.1). */
  remoteAddress?: string;
  /** Leave out the CSRF header a session's changes normally carry. */
  withoutCsrf?: boolean;
}

export interface Harness {
  database: TestDatabase;
  clock: TestClock;
  services: Services;
  app: App;
  request(options: RequestOptions): Promise<LightMyRequestResponse>;
  person(options?: { role?: Role; email?: string; name?: string }): Promise<AccountView>;
  serviceUser(options?: {
    role?: Role;
    name?: string;
    email?: string;
    internal_id?: string;
  }): Promise<AccountView>;
  signIn(account: AccountView): Promise<Session>;
  /** A person of the role, signed in. */
  session(role?: Role): Promise<Session>;
  generate(
    as: Session | string,
    body: Record<string, unknown>,
  ): Promise<{ token: TokenView; secret: string }>;
}

let counter = 0;

/**
 * A Tessera app on one database for the whole test file (PGlite or PostgreSQL, see vitest.config.ts),
 * emptied before each test, with a clock the test controls. Requests go through Fastify's inject.
 */
export function setupHarness(
  options: { env?: Record<string, string> | (() => Record<string, string>) } = {},
): Harness {
  const h = {} as Harness;
  beforeAll(async () => {
    // A function: settings known only once an earlier beforeAll ran (a test OpenID provider's port).
    const env = typeof options.env === 'function' ? options.env() : options.env;
    const config = loadConfig({ TESSERA_WEB_DIR: 'test/no-console', ...env });
    const relyingParty = config.sso ? await RelyingParty.discover(config.sso) : undefined;
    h.database = await createTestDatabase();
    h.clock = new TestClock(START);
    h.services = createServices({
      db: h.database.handle.db,
      health: h.database.handle.health,
      database: h.database.handle,
      clock: h.clock,
      lastUsedFlushMs: 1000,
      // Long enough for tests that move the clock by months; session expiry is tested on its own.
      sessionTtlHours: SESSION_TTL_HOURS,
      onBackgroundError: (error) => {
        throw error;
      },
      passwordSignIn: config.passwordSignIn,
      sso: config.sso && relyingParty ? { settings: config.sso, relyingParty } : undefined,
      notifications: config.notifications,
    });
    h.app = await buildApp({ services: h.services, config });
  });
  beforeEach(async () => {
    // Write out what earlier tests left in memory, then empty the tables under it.
    await h.services.lastUsed.flush();
    await h.services.audit.flushFailures();
    await h.database.reset();
    h.app.authentication.attempts.clear();
    // The tables were emptied behind the services' back: forget what was verified against them.
    h.services.authCache.clear();
    h.clock.set(START);
  });
  afterAll(async () => {
    await h.app?.close();
    await h.services?.lastUsed.flush().catch(() => {});
    await h.database?.dispose();
  });

  h.request = (options) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (options.session) {
      headers.cookie = `tessera_session=${options.session.cookie}`;
      if (!options.withoutCsrf) headers['x-csrf-token'] = options.session.csrf;
    }
    const method = options.method ?? (options.body === undefined ? 'GET' : 'POST');
    return h.app.inject({
      method,
      url: options.url,
      headers,
      ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}),
      ...(options.body === undefined ? {} : { payload: options.body as object }),
    });
  };

  h.person = async (options = {}) => {
    counter++;
    const { account } = await h.services.accounts.createHuman(null, {
      email: options.email ?? `person${counter}@example.com`,
      name: options.name ?? `Person ${counter}`,
      password: PASSWORD,
      role: options.role ?? 'member',
    });
    return account;
  };

  h.serviceUser = async (options = {}) => {
    counter++;
    return h.services.accounts.createServiceUser(null, {
      name: options.name ?? `svc-${counter}`,
      email: options.email ?? null,
      internal_id: options.internal_id,
      role: options.role ?? 'member',
    });
  };

  h.signIn = async (account) => {
    const response = await h.request({
      url: '/api/auth/login',
      body: { email: account.email, password: PASSWORD },
    });
    if (response.statusCode !== 200)
      throw new Error(`sign-in failed: ${response.statusCode} ${response.body}`);
    const cookie = response.cookies.find((c) => c.name === 'tessera_session');
    return { cookie: cookie!.value, csrf: response.json().csrf_token, account };
  };

  h.session = async (role = 'member') => h.signIn(await h.person({ role }));

  h.generate = async (as, body) => {
    const response = await h.request({
      url: '/api/tokens',
      body: { kind: 'personal', expires_in_days: 30, ...body },
      ...(typeof as === 'string' ? { token: as } : { session: as }),
    });
    if (response.statusCode !== 201)
      throw new Error(`generate failed: ${response.statusCode} ${response.body}`);
    return response.json();
  };

  return h;
}
