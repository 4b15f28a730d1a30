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
const PASSWORD_SIGN_IN_OFF =
  'Password sign-in is turned off: use single sign-on. A password from `tessera reset-password` works for an hour after the reset.';

/** Where a sign-in came from, for the audit log. */
export interface SignInOrigin {
  ip: string;
  userAgent: string | null;
}

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
  readonly #passwordSignIn: boolean;

  constructor(deps: {
    db: Kysely<Database>;
    clock: Clock;
    audit: AuditLog;
    metrics: Metrics;
    ttlHours: number;
    /** False (TESSERA_PASSWORD_SIGN_IN=0): only a password from `tessera reset-password`, for a while. */
    passwordSignIn?: boolean;
  }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
    this.#audit = deps.audit;
    this.#metrics = deps.metrics;
    this.#ttlMs = deps.ttlHours * 3_600_000;
    this.#passwordSignIn = deps.passwordSignIn ?? true;
  }

  /** Whether passwords sign in (TESSERA_PASSWORD_SIGN_IN); a break-glass password works either way. */
  get passwordSignIn(): boolean {
    return this.#passwordSignIn;
  }

  async signIn(email: string, password: string, origin: SignInOrigin): Promise<SignedIn> {
    const account = await findHumanForSignIn(this.#db, email);
    const ok = account?.password_hash
      ? await verifyPassword(account.password_hash, password)
      : await verifyAgainstNothing(password);
    const breakGlass =
      !this.#passwordSignIn &&
      account?.break_glass_until != null &&
      account.break_glass_until > this.#clock.now();
    const allowed = this.#passwordSignIn || breakGlass;
    if (!account || !ok || account.deactivated_at || !allowed) {
      this.#metrics.signIns.inc({ result: 'failure' });
      await this.#audit.record(
        this.#db,
        origin,
        'session.failed',
        account ? { type: 'account', id: account.id, label: account.email ?? email } : null,
        {
          email: email.slice(0, 320),
          reason: !allowed
            ? 'password_sign_in_off'
            : !account
              ? 'unknown_email'
              : !ok
                ? 'wrong_password'
                : 'deactivated',
        },
      );
      // With passwords off, every failure reads the same, whether or not a break-glass password exists.
      if (!this.#passwordSignIn) throw new AppError(401, 'password_sign_in_off', PASSWORD_SIGN_IN_OFF);
      throw new AppError(401, 'invalid_credentials', INVALID_CREDENTIALS);
    }
    return this.#open(account.id, account.email ?? email, origin, breakGlass ? { break_glass: true } : {});
  }

  /**
   * A session for an account whose person proved who they are another way (single sign-on, src/sso),
   * recorded with `details`. `within` runs in the session's transaction with the new session's ID hash.
   * A deactivated account gets none (403 `account_deactivated`).
   */
  async open(
    accountId: string,
    origin: SignInOrigin,
    details: Record<string, unknown>,
    within?: (trx: Kysely<Database>, sessionIdHash: string) => Promise<void>,
  ): Promise<SignedIn> {
    const found = await findPrincipalAccount(this.#db, accountId);
    if (found?.kind !== 'human' || found.deactivated_at) {
      throw new AppError(403, 'account_deactivated', 'This account is deactivated.');
    }
    return this.#open(accountId, found.email ?? '', origin, details, within);
  }

  async #open(
    accountId: string,
    label: string,
    origin: SignInOrigin,
    details: Record<string, unknown>,
    within?: (trx: Kysely<Database>, sessionIdHash: string) => Promise<void>,
  ): Promise<SignedIn> {
    const now = this.#clock.now();
    const cookieValue = randomUrlSafe(32);
    const csrfToken = randomUrlSafe(24);
    const expiresAt = new Date(now.getTime() + this.#ttlMs);
    const idHash = sha256Hex(cookieValue);
    const principalAccount = await this.#db.transaction().execute(async (trx) => {
      await insertSession(
        trx,
        {
          id_hash: idHash,
          account_id: accountId,
          csrf_token: csrfToken,
          created_at: now,
          expires_at: expiresAt,
          ip: origin.ip,
          user_agent: origin.userAgent?.slice(0, 512) ?? null,
        },
        now,
      );
      await within?.(trx, idHash);
      const found = (await findPrincipalAccount(trx, accountId))!;
      const principal = principalFromAccount(found, 'session', { token: null, session: null });
      await this.#audit.record(
        trx,
        { principal, ...origin },
        'session.created',
        { type: 'account', id: accountId, label },
        details,
      );
      return found;
    });
    this.#metrics.signIns.inc({ result: 'success' });
    const principal = principalFromAccount(principalAccount, 'session', {
      token: null,
      session: { idHash, csrfToken },
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
