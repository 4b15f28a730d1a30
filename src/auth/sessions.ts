import type { Kysely } from 'kysely';
import { verifyAgainstNothing, verifyPassword } from '../accounts/index.ts';
import type { AuditLog } from '../audit/index.ts';
import type { Caller, Principal } from '../platform/caller.ts';
import type { Clock } from '../platform/clock.ts';
import { AppError } from '../platform/errors.ts';
import { randomUrlSafe, sha256Hex } from '../platform/hashing.ts';
import type { Metrics } from '../platform/metrics.ts';
import type { Database } from '../platform/schema.ts';
import { principalFromAccount } from './principal.ts';
import {
  deleteExpiredSessions,
  deleteSession,
  findHumanForSignIn,
  findPrincipalAccount,
  findSessionPrincipal,
  insertSession,
} from './session-queries.ts';

export interface SignedIn {
  /** The cookie's value: shown to the browser once, stored only as its SHA-256. */
  cookieValue: string;
  csrfToken: string;
  expiresAt: Date;
  principal: Principal;
}

const INVALID_CREDENTIALS = 'The email or password is not right.';

/**
 * Console sessions. A sign-in always makes a new session ID (no fixation); sign-out and deactivation
 * delete it. The CSRF token is bound to the session and checked on every state-changing request.
 */
export class SessionService {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;
  readonly #audit: AuditLog;
  readonly #metrics: Metrics;
  readonly #ttlMs: number;

  constructor(deps: {
    db: Kysely<Database>;
    clock: Clock;
    audit: AuditLog;
    metrics: Metrics;
    ttlHours: number;
  }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#audit = deps.audit;
    this.#metrics = deps.metrics;
    this.#ttlMs = deps.ttlHours * 3_600_000;
  }

  async signIn(
    email: string,
    password: string,
    origin: { ip: string; userAgent: string | null },
  ): Promise<SignedIn> {
    const account = await findHumanForSignIn(this.#db, email);
    const ok = account?.password_hash
      ? await verifyPassword(account.password_hash, password)
      : await verifyAgainstNothing(password);
    if (!account || !ok || account.deactivated_at) {
      this.#metrics.signIns.inc({ result: 'failure' });
      await this.#audit.record(
        this.#db,
        origin,
        'session.failed',
        account ? { type: 'account', id: account.id, label: account.email ?? email } : null,
        {
          email: email.slice(0, 320),
          reason: !account ? 'unknown_email' : !ok ? 'wrong_password' : 'deactivated',
        },
      );
      throw new AppError(401, 'invalid_credentials', INVALID_CREDENTIALS);
    }
    const now = this.#clock.now();
    const cookieValue = randomUrlSafe(32);
    const csrfToken = randomUrlSafe(24);
    const expiresAt = new Date(now.getTime() + this.#ttlMs);
    const principalAccount = await this.#db.transaction().execute(async (trx) => {
      await insertSession(
        trx,
        {
          id_hash: sha256Hex(cookieValue),
          account_id: account.id,
          csrf_token: csrfToken,
          created_at: now,
          expires_at: expiresAt,
          ip: origin.ip,
          user_agent: origin.userAgent?.slice(0, 512) ?? null,
        },
        now,
      );
      const found = (await findPrincipalAccount(trx, account.id))!;
      const principal = principalFromAccount(found, 'session', { token: null, session: null });
      await this.#audit.record(trx, { principal, ...origin }, 'session.created', {
        type: 'account',
        id: account.id,
        label: account.email ?? email,
      });
      return found;
    });
    this.#metrics.signIns.inc({ result: 'success' });
    const principal = principalFromAccount(principalAccount, 'session', {
      token: null,
      session: { idHash: sha256Hex(cookieValue), csrfToken },
    });
    return { cookieValue, csrfToken, expiresAt, principal };
  }

  /** The session's principal, or undefined when the cookie names no live session of an active account. */
  async authenticate(cookieValue: string): Promise<Principal | undefined> {
    const found = await findSessionPrincipal(this.#db, sha256Hex(cookieValue), this.#clock.now());
    if (!found || found.account.deactivated_at) return undefined;
    return principalFromAccount(found.account, 'session', {
      token: null,
      session: { idHash: found.session.id_hash, csrfToken: found.session.csrf_token },
    });
  }

  async signOut(caller: Caller): Promise<void> {
    const session = caller.principal.session;
    if (!session) return;
    await this.#db.transaction().execute(async (trx) => {
      await deleteSession(trx, session.idHash);
      await this.#audit.record(trx, caller, 'session.ended', {
        type: 'account',
        id: caller.principal.account.id,
        label: caller.principal.account.email ?? '',
      });
    });
  }

  purgeExpired(): Promise<unknown> {
    return deleteExpiredSessions(this.#db, this.#clock.now());
  }
}
