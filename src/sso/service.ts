import type { Kysely } from 'kysely';
import * as oidc from 'openid-client';
import { z } from 'zod';
import type { AccountService, SignInGrants } from '../accounts/index.ts';
import type { AuditLog, AuditTarget } from '../audit/index.ts';
import type { SessionService, SignedIn, SignInOrigin } from '../auth/index.ts';
import { hasControlCharacters } from '../core/names.ts';
import type { SsoRefusal } from '../core/sign-in-methods.ts';
import type { Clock } from '../platform/clock.ts';
import { AppError } from '../platform/errors.ts';
import { randomUrlSafe, sha256Hex } from '../platform/hashing.ts';
import type { Database } from '../platform/schema.ts';
import { findTeamsByNames } from '../teams/index.ts';
import { claimValue, groupsIn, mapGroups } from './group-mapping.ts';
import {
  deleteExpiredSignIns,
  findHumanByEmail,
  findLinkedAccount,
  findSsoSession,
  insertSignIn,
  insertSsoSession,
  linkIdentity,
  takeSignIn,
  touchIdentity,
} from './queries.ts';
import { ProviderRefusal, type RelyingParty, type SignedInIdentity } from './relying-party.ts';
import type { SsoSettings } from './settings.ts';

/** How long a person may take at their provider between the redirect and the callback. */
export const SIGN_IN_TTL_MS = 10 * 60 * 1000;
/** What the audit log says a change was made by (`details.via`), as `command line` says for the CLI. */
export const VIA_SSO = 'single sign-on';

/** A single sign-on refused, already recorded in the audit log; `reason` is what the console shows. */
export class SsoRefused extends Error {
  readonly reason: SsoRefusal;

  constructor(reason: SsoRefusal, message: string) {
    super(message);
    this.reason = reason;
  }
}

export interface SsoFinished {
  signedIn: SignedIn;
  /** The console path the person was on when they began. */
  returnTo: string;
  /** Team names in the mapping that no team has: left out, for the log. */
  unknownTeams: string[];
}

export interface SsoServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  audit: AuditLog;
  accounts: AccountService;
  sessions: SessionService;
  settings: SsoSettings;
  relyingParty: RelyingParty;
}

type Account = { id: string; email: string | null; name: string | null; internal_id: string | null };
type FoundAccount = Account & { deactivated_at: Date | null };

/**
 * Single sign-on through the company's OpenID provider: `begin` sends the browser there, `finish` takes
 * its answer, finds or creates the person, applies the group mapping and opens a console session.
 */
export class SsoService {
  readonly #deps: SsoServiceDeps;

  constructor(deps: SsoServiceDeps) {
    this.#deps = deps;
  }

  get buttonLabel(): string {
    return this.#deps.settings.buttonLabel;
  }

  /**
   * A new sign-in: its state, nonce and PKCE verifier are stored (any node may take the callback), tied to
   * the browser by `browserSecret`, kept in a cookie. A browser that already has one keeps it, so that two
   * tabs signing in at once both succeed.
   */
  async begin(
    next: string | undefined,
    browserSecret: string | undefined,
  ): Promise<{ url: string; browserSecret: string }> {
    const secret =
      browserSecret && /^[A-Za-z0-9_-]{43}$/.test(browserSecret) ? browserSecret : randomUrlSafe(32);
    const checks = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      codeVerifier: oidc.randomPKCECodeVerifier(),
    };
    const now = this.#deps.clock.now();
    await insertSignIn(this.#deps.db, {
      state_hash: sha256Hex(checks.state),
      browser_hash: sha256Hex(secret),
      nonce: checks.nonce,
      code_verifier: checks.codeVerifier,
      return_to: returnPath(next),
      created_at: now,
      expires_at: new Date(now.getTime() + SIGN_IN_TTL_MS),
    });
    const url = await this.#deps.relyingParty.authorizationUrl(checks);
    return { url: url.toString(), browserSecret: secret };
  }

  /** The provider's callback, with its query string; every refusal is audited and thrown as SsoRefused. */
  async finish(
    query: URLSearchParams,
    browserSecret: string | undefined,
    origin: SignInOrigin,
  ): Promise<SsoFinished> {
    const { db, clock, settings } = this.#deps;
    const refuse = (reason: SsoRefusal, message: string, target: Account | null = null, extra = {}) =>
      this.#refuse(origin, reason, message, target, extra);

    const state = query.get('state');
    const signIn =
      state && browserSecret ? await takeSignIn(db, sha256Hex(state), sha256Hex(browserSecret)) : undefined;
    if (!state || !signIn) {
      throw await refuse('invalid_state', 'The state is unknown, already used, or from another browser.');
    }
    if (signIn.expires_at <= clock.now()) throw await refuse('expired', 'The sign-in began too long ago.');

    let identity: SignedInIdentity;
    try {
      identity = await this.#deps.relyingParty.finish(
        query,
        { state, nonce: signIn.nonce, codeVerifier: signIn.code_verifier },
        (claims) =>
          claims.email === undefined ||
          (settings.groupsClaim !== undefined && claimValue(claims, settings.groupsClaim) === undefined),
      );
    } catch (error) {
      if (!(error instanceof ProviderRefusal)) throw error;
      throw await refuse(error.reason, error.message, null, { error: error.code });
    }

    const { issuer, subject, claims } = identity;
    // OpenID Connect caps `sub` at 255 ASCII characters; anything else could not be stored as sent.
    if (subject.length > 255 || hasControlCharacters(subject)) {
      throw await refuse('invalid_response', 'The subject is not one Tessera can store.', null, {
        error: 'invalid_subject',
      });
    }
    const email = emailOf(claims);
    const about = { email };
    const grants = settings.groupsClaim
      ? await this.#grants(groupsIn(claims, settings.groupsClaim))
      : undefined;

    let account: FoundAccount | undefined = await findLinkedAccount(db, issuer, subject);
    let created = false;
    if (!account) {
      if (!email) {
        throw await refuse(
          settings.autoCreate ? 'no_email' : 'unknown_account',
          'The provider sent no email.',
          null,
          about,
        );
      }
      const byEmail = await findHumanByEmail(db, email, issuer);
      if (byEmail && !emailVerified(claims)) {
        throw await refuse(
          'email_not_verified',
          'The provider did not say the email is verified.',
          byEmail,
          about,
        );
      }
      if (byEmail?.subject && byEmail.subject !== subject) {
        throw await refuse('identity_conflict', 'The account is linked to another identity.', byEmail, about);
      }
      if (byEmail) {
        if (!byEmail.deactivated_at) {
          await linkIdentity(db, { issuer, subject, accountId: byEmail.id, at: clock.now() });
          // Another sign-in may have linked this account or this identity a moment ago.
          const linked = await findLinkedAccount(db, issuer, subject);
          if (linked?.id !== byEmail.id) {
            throw await refuse('identity_conflict', 'Linked elsewhere meanwhile.', byEmail, about);
          }
        }
        account = byEmail;
      } else if (!settings.autoCreate) {
        throw await refuse('unknown_account', 'Nobody in Tessera has this email.', null, about);
      } else if (!emailVerified(claims)) {
        throw await refuse(
          'email_not_verified',
          'The provider did not say the email is verified.',
          null,
          about,
        );
      } else {
        account = await this.#create(origin, identity, email, grants?.grants);
        created = true;
      }
    }
    if (account.deactivated_at)
      throw await refuse('deactivated', 'The account is deactivated.', account, about);

    if (grants && !created) {
      await this.#deps.accounts.applySignInGrants(origin, account.id, grants.grants, {
        via: VIA_SSO,
        groups: grants.matched,
      });
    }
    let signedIn: SignedIn;
    try {
      signedIn = await this.#deps.sessions.open(
        account.id,
        origin,
        { via: VIA_SSO },
        async (trx, sessionIdHash) => {
          await insertSsoSession(trx, { sessionIdHash, issuer, idToken: identity.idToken });
          await touchIdentity(trx, issuer, subject, clock.now());
        },
      );
    } catch (error) {
      // Deactivated between the check above and now.
      if (error instanceof AppError && error.code === 'account_deactivated') {
        throw await refuse('deactivated', error.message, account, about);
      }
      throw error;
    }
    return { signedIn, returnTo: signIn.return_to, unknownTeams: grants?.unknownTeams ?? [] };
  }

  /** Where to send the browser to end the provider's session as well, for a session single sign-on opened. */
  async endSessionUrl(sessionIdHash: string): Promise<string | undefined> {
    const session = await findSsoSession(this.#deps.db, sessionIdHash);
    if (!session || session.issuer !== this.#deps.relyingParty.issuer) return undefined;
    return this.#deps.relyingParty.endSessionUrl(session.id_token);
  }

  purgeExpired(): Promise<unknown> {
    return deleteExpiredSignIns(this.#deps.db, this.#deps.clock.now());
  }

  async #create(
    origin: SignInOrigin,
    identity: SignedInIdentity,
    email: string,
    grants: SignInGrants | undefined,
  ): Promise<FoundAccount> {
    const { claims, issuer, subject } = identity;
    const name = typeof claims.name === 'string' ? claims.name : null;
    try {
      const account = await this.#deps.accounts.createSignedInHuman(
        origin,
        { email, name, role: grants?.role ?? 'member', team_ids: grants?.teams?.given ?? [] },
        { via: VIA_SSO },
        (trx, id) =>
          linkIdentity(trx, { issuer, subject, accountId: id, at: this.#deps.clock.now() }).then(() => {}),
      );
      return { ...account, deactivated_at: null };
    } catch (error) {
      // Two callbacks for one new person at once: the first created them.
      if (error instanceof AppError && error.status === 409) {
        const linked = await findLinkedAccount(this.#deps.db, issuer, subject);
        if (linked) return linked;
      }
      throw error;
    }
  }

  /** The mapping applied to the groups, team names resolved to teams. */
  async #grants(groups: string[]) {
    const mapping = this.#deps.settings.groupMapping ?? {};
    const mapped = mapGroups(mapping, groups);
    const teams = await findTeamsByNames(this.#deps.db, mapped.managedTeams);
    const idOf = (name: string) => teams.find((team) => team.name.toLowerCase() === name.toLowerCase())?.id;
    const ids = (names: string[]) => names.map(idOf).filter((id): id is string => id !== undefined);
    const grants: SignInGrants = {
      role: mapped.role,
      teams:
        mapped.managedTeams.length > 0
          ? { managed: ids(mapped.managedTeams), given: ids(mapped.givenTeams) }
          : undefined,
    };
    return {
      grants,
      matched: groups.filter((group) => Object.hasOwn(mapping, group)),
      unknownTeams: mapped.managedTeams.filter((name) => idOf(name) === undefined),
    };
  }

  async #refuse(
    origin: SignInOrigin,
    reason: SsoRefusal,
    message: string,
    account: Account | null,
    extra: Record<string, unknown>,
  ): Promise<SsoRefused> {
    const target: AuditTarget | null = account
      ? { type: 'account', id: account.id, label: account.email ?? account.internal_id ?? account.name ?? '' }
      : null;
    await this.#deps.audit.record(this.#deps.db, origin, 'session.failed', target, {
      ...extra,
      reason,
      via: VIA_SSO,
    });
    return new SsoRefused(reason, message);
  }
}

/** The `email` claim when it is an email address at all; anything else is treated as none. */
function emailOf(claims: Record<string, unknown>): string | undefined {
  const email = typeof claims.email === 'string' ? claims.email.trim() : '';
  return EMAIL.safeParse(email).success ? email : undefined;
}

const EMAIL = z.email().max(320);

/**
 * A verified email may be matched to an account. Entra ID sends no `email_verified`; its `xms_edov`
 * ("email domain owner verified", an optional claim) says the same of the email's domain.
 */
function emailVerified(claims: Record<string, unknown>): boolean {
  return claims.email_verified === true || claims.email_verified === 'true' || claims.xms_edov === true;
}

const OWN_ORIGIN = 'https://tessera.invalid';

/** Only a path on this server is returned to, never another site (`//host`, `/\host` are other sites). */
export function returnPath(next: string | undefined): string {
  if (!next || next.length > 2000 || !next.startsWith('/')) return '/';
  const url = URL.parse(next, OWN_ORIGIN);
  return url?.origin === OWN_ORIGIN ? `${url.pathname}${url.search}${url.hash}` : '/';
}
