import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditActor, AuditLog, AuditTarget, CommandLineActor } from '../audit/index.ts';
import {
  hasControlCharacters,
  hasLetterOrDigit,
  randomServiceSlug,
  SERVICE_ID_SUFFIX,
  serviceInternalId,
  slugify,
} from '../core/names.ts';
import type { Role } from '../core/roles.ts';
import type { AccountSort } from '../core/sorts.ts';
import type { AccountKind } from '../core/token-kind.ts';
import {
  accountHandle,
  type Caller,
  isScimToken,
  requireProvisioner,
  requireRole,
} from '../platform/caller.ts';
import type { ChangeFeed } from '../platform/change-feed.ts';
import type { Clock } from '../platform/clock.ts';
import { asConflict } from '../platform/database-errors.ts';
import { AppError, conflict, forbidden, invalidField, notFound, taken } from '../platform/errors.ts';
import { randomUrlSafe } from '../platform/hashing.ts';
import { decodeCursor } from '../platform/keyset.ts';
import type { Database } from '../platform/schema.ts';
import { isLostRace, retryLostRaces } from '../platform/transaction-retry.ts';
import { findTeamsByIds } from '../teams/index.ts';
import { activeTokenCounts, countActiveTokensOf, revokeActiveTokensOf } from '../tokens/index.ts';
import { hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, verifyPassword } from './passwords.ts';
import {
  type AccountFieldChanges,
  type AccountWithTeams,
  deleteSessionsOf,
  findAccountById,
  findPasswordOf,
  insertAccount,
  listAccounts,
  lockAccount,
  lockActiveAdmins,
  lockHumanByEmail,
  markDeactivated,
  markReactivated,
  markScimWrite,
  setAccountTeams,
  updateAccountFields,
} from './queries.ts';
import { type AccountView, accountView } from './views.ts';

export const OWNER_DEACTIVATED_REASON = 'owner deactivated';

/** How a change was made, when not through the console's API: added to its audit entries. */
type Via = { via?: 'scim' };
const SCIM: Via = { via: 'scim' };

/**
 * A person as an identity provider sets them through SCIM (src/scim maps its attributes to these):
 * the email is SCIM's `userName`, `name` the display name, `active` the opposite of deactivated.
 */
export interface ProvisionedPerson {
  email: string;
  name: string | null;
  given_name: string | null;
  family_name: string | null;
  external_id: string | null;
  active: boolean;
  role: Role;
}

export const EMAIL_MAX = 320;
export const EXTERNAL_ID_MAX = 1000;

function provisionedOf(account: AccountWithTeams): ProvisionedPerson {
  return {
    email: account.email!,
    name: account.name,
    given_name: account.given_name,
    family_name: account.family_name,
    external_id: account.external_id,
    active: account.deactivated_at === null,
    role: account.role,
  };
}

/** The same rules as the console's, named as the columns; src/scim checks first, in SCIM's names. */
function checkProvisioned(person: ProvisionedPerson): Required<ProvisionedPerson> {
  const email = person.email.trim();
  if (!email) throw invalidField('email', 'A person needs an email address.');
  if ([...email].length > EMAIL_MAX) throw invalidField('email', `Must be at most ${EMAIL_MAX} characters.`);
  if (hasControlCharacters(email)) throw invalidField('email', 'Must not contain control characters.');
  const externalId = person.external_id?.trim() || null;
  if (externalId && [...externalId].length > EXTERNAL_ID_MAX)
    throw invalidField('external_id', `Must be at most ${EXTERNAL_ID_MAX} characters.`);
  if (externalId && hasControlCharacters(externalId))
    throw invalidField('external_id', 'Must not contain control characters.');
  return {
    email,
    name: checkOptionalName(person.name),
    given_name: checkOptionalName(person.given_name, 'given_name'),
    family_name: checkOptionalName(person.family_name, 'family_name'),
    external_id: externalId,
    active: person.active,
    role: person.role,
  };
}
export const ACCOUNT_NAME_MAX = 100;
/** How long a password from `tessera reset-password` signs in while password sign-in is off. */
export const BREAK_GLASS_MS = 60 * 60 * 1000;

export interface NewHumanInput {
  email: string;
  name?: string | null | undefined;
  password?: string | undefined;
  role: Role;
  team_ids?: string[] | undefined;
  avatar_url?: string | null | undefined;
}

export interface NewServiceUserInput {
  name?: string | null | undefined;
  email?: string | null | undefined;
  internal_id?: string | undefined;
  role: Role;
  team_ids?: string[] | undefined;
  avatar_url?: string | null | undefined;
}

/** A person who signed in through single sign-on and had no account yet: no password. */
export interface SignedInHumanInput {
  email: string;
  name: string | null;
  role: Role;
  team_ids: string[];
}

/** What single sign-on's group mapping gives a person at a sign-in (src/sso). */
export interface SignInGrants {
  /** Undefined leaves the role alone. */
  role?: Role | undefined;
  /** Teams the mapping manages: the person ends up in `given` and in none of the other `managed`. */
  teams?: { managed: string[]; given: string[] } | undefined;
}

export interface AccountChanges {
  name?: string | null | undefined;
  email?: string | null | undefined;
  role?: Role | undefined;
  team_ids?: string[] | undefined;
  avatar_url?: string | null | undefined;
}

export interface AccountListQuery {
  kind?: AccountKind | undefined;
  role?: Role | undefined;
  team?: string | undefined;
  q?: string | undefined;
  id?: string | undefined;
  include_deactivated: boolean;
  sort: AccountSort;
  order: 'asc' | 'desc';
  limit: number;
  cursor?: string | undefined;
}

export interface AccountServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  audit: AuditLog;
  changes: ChangeFeed;
  /** Off when people sign in only through single sign-on: a new person then gets no password. */
  passwordSignIn?: boolean;
}

/** People and service users: Admins create and change them, Managers may read them. */
export class AccountService {
  readonly #deps: AccountServiceDeps;

  constructor(deps: AccountServiceDeps) {
    this.#deps = deps;
  }

  async createHuman(
    caller: Caller | null,
    input: NewHumanInput,
  ): Promise<{ account: AccountView; initial_password?: string }> {
    if (caller) requireRole(caller, 'admin');
    const name = checkOptionalName(input.name);
    const passwordSignIn = this.#deps.passwordSignIn ?? true;
    const generated = passwordSignIn && input.password === undefined ? randomUrlSafe(15) : undefined;
    const password = input.password ?? generated;
    if (
      password !== undefined &&
      (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH)
    ) {
      throw invalidField('password', `Must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters.`);
    }
    const passwordHash = password === undefined ? null : await hashPassword(password);
    const id = await this.#create(caller, input.team_ids, async (trx) =>
      insertAccount(trx, {
        kind: 'human',
        email: input.email.trim(),
        name,
        role: input.role,
        password_hash: passwordHash,
        avatar_url: input.avatar_url ?? null,
        created_at: this.#deps.clock.now(),
        created_by: caller?.principal.account.id ?? null,
      }),
    );
    const account = await this.#view(id);
    return generated ? { account, initial_password: generated } : { account };
  }

  /**
   * A person who signed in through single sign-on and is created for it: no password, recorded as done by
   * `actor` with `details`. `within` runs in the same transaction (the identity link), so that the account
   * never exists without it.
   */
  async createSignedInHuman(
    actor: AuditActor,
    input: SignedInHumanInput,
    details: Record<string, unknown>,
    within: (trx: Kysely<Database>, id: string) => Promise<void>,
  ): Promise<AccountView> {
    const name = input.name?.trim().slice(0, ACCOUNT_NAME_MAX) || null;
    const id = await this.#create(
      actor,
      input.team_ids,
      async (trx) => {
        const created = await insertAccount(trx, {
          kind: 'human',
          email: input.email.trim(),
          name: name && !hasControlCharacters(name) ? name : null,
          role: input.role,
          password_hash: null,
          avatar_url: null,
          created_at: this.#deps.clock.now(),
          created_by: null,
        });
        await within(trx, created.id);
        return created;
      },
      details,
    );
    return this.#view(id);
  }

  async createServiceUser(caller: Caller | null, input: NewServiceUserInput): Promise<AccountView> {
    if (caller) requireRole(caller, 'admin');
    const name = checkOptionalName(input.name);
    const field = input.internal_id !== undefined ? 'internal_id' : 'name';
    const source = input.internal_id?.endsWith(SERVICE_ID_SUFFIX)
      ? input.internal_id.slice(0, -SERVICE_ID_SUFFIX.length)
      : (input.internal_id ?? name);
    if (!source) throw invalidField(field, 'A service user needs a name or an internal_id.');
    if (!hasLetterOrDigit(source)) throw invalidField(field, 'Must contain at least one letter or digit.');
    const slug = slugify(source);
    if (!slug && field === 'internal_id') {
      throw invalidField(field, 'An internal ID is made of the letters a–z, digits, - and _.');
    }
    if (slug.length > ACCOUNT_NAME_MAX)
      throw invalidField(field, `Must be at most ${ACCOUNT_NAME_MAX} characters.`);
    // A name in a script with nothing to keep in a-z (Japanese, Arabic…) gets a short random ID; a taken
    // one is drawn again, while a taken ID made from the name is the caller's conflict to resolve.
    const random = !slug;
    for (let attempt = 1; ; attempt++) {
      const internalId = serviceInternalId(slug || randomServiceSlug(randomBytes(4)));
      try {
        const id = await this.#create(caller, input.team_ids, async (trx) => {
          try {
            return await insertAccount(trx, {
              kind: 'service',
              internal_id: internalId,
              name,
              email: input.email?.trim() || null,
              role: input.role,
              password_hash: null,
              avatar_url: input.avatar_url ?? null,
              created_at: this.#deps.clock.now(),
              created_by: caller?.principal.account.id ?? null,
            });
          } catch (error) {
            throw asConflict(error, 'accounts_internal_id_key', () =>
              taken(field, 'internal_id_taken', `The internal ID ${internalId} is already taken.`, {
                internal_id: internalId,
              }),
            );
          }
        });
        return this.#view(id);
      } catch (error) {
        if (!(random && attempt < 5 && error instanceof AppError && error.code === 'internal_id_taken'))
          throw error;
      }
    }
  }

  async #create(
    caller: AuditActor | null,
    teamIds: string[] | undefined,
    insert: (trx: Kysely<Database>) => Promise<{ id: string }>,
    details: Record<string, unknown> = {},
  ): Promise<string> {
    try {
      return await this.#deps.db.transaction().execute(async (trx) => {
        await checkTeamsExist(trx, teamIds);
        const { id } = await insert(trx);
        await setAccountTeams(trx, id, teamIds ?? []);
        const created = await findAccountById(trx, id);
        await this.#deps.audit.record(trx, caller, 'account.created', accountTarget(created!), {
          kind: created!.kind,
          role: created!.role,
          ...details,
        });
        return id;
      });
    } catch (error) {
      throw asConflict(error, 'accounts_human_email_key', emailTaken);
    }
  }

  async list(
    caller: Caller,
    query: AccountListQuery,
  ): Promise<{ items: AccountView[]; next_cursor: string | null }> {
    requireRole(caller, 'manager');
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !cursor)
      throw invalidField('cursor', 'Not a cursor from this list; start again without it.');
    const { rows, nextCursor } = await listAccounts(this.#deps.db, {
      kind: query.kind,
      role: query.role,
      teamId: query.team,
      q: query.q,
      id: query.id,
      includeDeactivated: query.include_deactivated || query.id !== undefined,
      sort: query.sort,
      order: query.order,
      limit: query.limit,
      cursor,
    });
    const counts = await activeTokenCounts(
      this.#deps.db,
      rows.map((row) => row.id),
      this.#deps.clock.now(),
    );
    return { items: rows.map((row) => accountView(row, counts.get(row.id) ?? 0)), next_cursor: nextCursor };
  }

  async get(caller: Caller, id: string): Promise<AccountView> {
    if (id !== caller.principal.account.id) requireRole(caller, 'manager');
    return this.#view(id);
  }

  async update(caller: Caller, id: string, changes: AccountChanges): Promise<AccountView> {
    requireRole(caller, 'admin');
    const { audit } = this.#deps;
    const set: AccountFieldChanges = {};
    if (changes.name !== undefined) set.name = checkOptionalName(changes.name);
    if (changes.role !== undefined) set.role = changes.role;
    if (changes.avatar_url !== undefined) set.avatar_url = changes.avatar_url;
    // Only a role other than Admin can take an Admin away; the locks come before the account is read.
    const mayRemoveAdmin = changes.role !== undefined && changes.role !== 'admin';
    try {
      await this.#transaction(async (trx) => {
        const admins = mayRemoveAdmin ? await lockActiveAdmins(trx) : undefined;
        const before = await findAccountById(trx, id);
        if (!before) throw notFound('Account');
        if (
          changes.role !== undefined &&
          changes.role !== before.role &&
          id === caller.principal.account.id
        ) {
          throw forbidden('Nobody can change their own role.', 'own_role');
        }
        if (changes.email !== undefined) {
          const email = changes.email?.trim() || null;
          if (before.kind === 'human' && !email)
            throw invalidField('email', 'A person needs an email address.');
          set.email = email;
        }
        if (admins) {
          refuseLastAdmin(admins, before, 'change their role');
          requireStillAdmin(admins, caller);
        }
        refuseProviderFields(before, set);
        await checkTeamsExist(trx, changes.team_ids);
        await updateAccountFields(trx, id, set, this.#deps.clock.now());
        if (changes.team_ids !== undefined) await setAccountTeams(trx, id, changes.team_ids);
        const after = (await findAccountById(trx, id))!;
        await audit.record(trx, caller, 'account.updated', accountTarget(after), {
          changes: describeChanges(before, after),
        });
      });
    } catch (error) {
      throw asConflict(error, 'accounts_human_email_key', emailTaken);
    }
    await this.#deps.changes.publish({ type: 'account', id });
    return this.#view(id);
  }

  /**
   * Single sign-on's group mapping, applied at a sign-in: the role and the managed teams it gives, each
   * change recorded as done by `actor` with `details`, as a change made in the console is. The last active
   * Admin keeps the role (someone must be able to make the mapping right again); `keptLastAdmin` says so.
   */
  async applySignInGrants(
    actor: AuditActor,
    id: string,
    grants: SignInGrants,
    details: Record<string, unknown>,
  ): Promise<{ changed: boolean; keptLastAdmin: boolean }> {
    const mayRemoveAdmin = grants.role !== undefined && grants.role !== 'admin';
    const result = await this.#transaction(async (trx) => {
      const admins = mayRemoveAdmin ? await lockActiveAdmins(trx) : undefined;
      const before = await findAccountById(trx, id);
      if (!before) throw notFound('Account');
      let keptLastAdmin = false;
      if (grants.role !== undefined && grants.role !== before.role) {
        if (admins && isLastAdmin(admins, before)) keptLastAdmin = true;
        else await updateAccountFields(trx, id, { role: grants.role }, this.#deps.clock.now());
      }
      if (grants.teams) {
        const { managed, given } = grants.teams;
        const current = before.teams.map((team) => team.id);
        const wanted = [...current.filter((team) => !managed.includes(team)), ...given];
        const same = wanted.length === current.length && wanted.every((team) => current.includes(team));
        if (!same) await setAccountTeams(trx, id, wanted);
      }
      const after = (await findAccountById(trx, id))!;
      const changes = describeChanges(before, after);
      const changed = Object.keys(changes).length > 0;
      if (changed || keptLastAdmin) {
        await this.#deps.audit.record(trx, actor, 'account.updated', accountTarget(after), {
          changes,
          ...details,
          ...(keptLastAdmin ? { kept_role: 'the last active Admin keeps the role' } : {}),
        });
      }
      return { changed, keptLastAdmin };
    });
    if (result.changed) await this.#deps.changes.publish({ type: 'account', id });
    return result;
  }

  /**
   * A service user is refused while it has active tokens (each one would stop a pipeline). A person's
   * active personal tokens are revoked with the reason "owner deactivated", and their sessions end.
   */
  async deactivate(caller: Caller, id: string): Promise<AccountView> {
    requireRole(caller, 'admin');
    refuseOwnAccount(caller, id);
    const now = this.#deps.clock.now();
    await this.#transaction(async (trx) => {
      // Whether the account is an Admin is only known once it is read, and reading it first would
      // lock it before the Admins: so every deactivation takes the Admins' locks.
      const admins = await lockActiveAdmins(trx);
      const account = await lockAccount(trx, id);
      if (!account) throw notFound('Account');
      if (account.deactivated_at)
        throw conflict('already_deactivated', 'This account is already deactivated.');
      const full = (await findAccountById(trx, id))!;
      refuseLastAdmin(admins, full, 'deactivate them');
      requireStillAdmin(admins, caller);
      await this.#deactivateLocked(trx, caller, full, now, {});
    });
    // One change for the account covers every token it owns (revoked just now or not): caches drop
    // all of an owner's tokens on it, so a thousand revoked tokens cost one notice, not a thousand.
    await this.#deps.changes.publish({ type: 'account', id });
    return this.#view(id);
  }

  /**
   * Deactivation's effects on an account locked and checked by the caller: the console's and SCIM's
   * alike. `via` is added to every audit entry it writes.
   */
  async #deactivateLocked(
    trx: Kysely<Database>,
    caller: Caller,
    full: AccountWithTeams,
    now: Date,
    via: Via,
  ): Promise<void> {
    const { audit } = this.#deps;
    let revokedTokens: { id: string; name: string }[] = [];
    if (full.kind === 'service') {
      // Federated tokens (keyless CI) do not hold deactivation back: they are revoked as a person's are.
      const active = await countActiveTokensOf(trx, full.id, now, { storedOnly: true });
      if (active > 0) {
        throw conflict(
          'active_tokens',
          `${accountHandle(full)} still has ${active} active token${active === 1 ? '' : 's'}. Revoke ${active === 1 ? 'it' : 'them'} first, then deactivate.`,
          { active_tokens: active },
        );
      }
      revokedTokens = await revokeActiveTokensOf(trx, full.id, now, OWNER_DEACTIVATED_REASON, {
        federatedOnly: true,
      });
    } else {
      revokedTokens = await revokeActiveTokensOf(trx, full.id, now, OWNER_DEACTIVATED_REASON);
    }
    for (const token of revokedTokens) {
      await audit.record(
        trx,
        caller,
        'token.revoked',
        { type: 'token', id: token.id, label: `${token.name} (${accountHandle(full)})` },
        { reason: OWNER_DEACTIVATED_REASON, by: 'system', ...via },
      );
    }
    await markDeactivated(trx, full.id, now, caller.principal.account.id);
    await deleteSessionsOf(trx, full.id);
    await audit.record(trx, caller, 'account.deactivated', accountTarget(full), {
      revoked_tokens: revokedTokens.length,
      ...via,
    });
  }

  /**
   * SCIM's create (src/scim): a new person, a Member unless `role` says otherwise, or one that SCIM
   * deleted, brought back under the same email with none of their tokens. Another person with the email
   * is a 409. Returns the account's ID.
   */
  async provision(caller: Caller, person: ProvisionedPerson): Promise<string> {
    requireProvisioner(caller);
    const target = checkProvisioned(person);
    const { clock, audit } = this.#deps;
    // Nobody knows this password: a provisioned person signs in through single sign-on, or an Admin
    // gives them one with `tessera reset-password`.
    const passwordHash = await hashPassword(randomUrlSafe(24));
    const now = clock.now();
    let id: string;
    try {
      id = await this.#transaction(async (trx) => {
        const existing = await lockHumanByEmail(trx, target.email);
        if (existing && !existing.scim_deleted_at) throw emailTaken();
        if (existing) {
          // Deactivated, so not among the active Admins whose locks a demotion would need.
          const before = (await findAccountById(trx, existing.id))!;
          await this.#applyProvisioned(trx, caller, before, target, now, undefined);
          await markScimWrite(trx, existing.id, now, false);
          await audit.record(trx, caller, 'account.reprovisioned', accountTarget(before), SCIM);
          return existing.id;
        }
        const { id } = await insertAccount(trx, {
          kind: 'human',
          email: target.email,
          name: target.name,
          given_name: target.given_name,
          family_name: target.family_name,
          external_id: target.external_id,
          role: target.role,
          password_hash: passwordHash,
          created_at: now,
          created_by: caller.principal.account.id,
          updated_at: now,
          scim_updated_at: now,
          ...(target.active ? {} : { deactivated_at: now, deactivated_by: caller.principal.account.id }),
        });
        await setAccountTeams(trx, id, []);
        const created = (await findAccountById(trx, id))!;
        await audit.record(trx, caller, 'account.created', accountTarget(created), {
          kind: created.kind,
          role: created.role,
          ...SCIM,
        });
        if (!target.active) {
          await audit.record(trx, caller, 'account.deactivated', accountTarget(created), {
            revoked_tokens: 0,
            ...SCIM,
          });
        }
        return id;
      });
    } catch (error) {
      throw asConflict(error, 'accounts_human_email_key', emailTaken);
    }
    await this.#deps.changes.publish({ type: 'account', id });
    return id;
  }

  /**
   * SCIM's replace and patch: `change` turns the person as they are, read under lock, into what they
   * should be, and all of it is applied in one transaction or none of it is. Deactivation has the
   * console's effects; reactivation restores no token. `change` may run more than once (a transaction
   * that loses a race runs again), so it must only compute.
   */
  async reprovision(
    caller: Caller,
    id: string,
    change: (current: ProvisionedPerson) => ProvisionedPerson,
  ): Promise<void> {
    requireProvisioner(caller);
    const now = this.#deps.clock.now();
    try {
      await this.#transaction(async (trx) => {
        const admins = await lockActiveAdmins(trx);
        const before = await this.#lockProvisioned(trx, id);
        const target = checkProvisioned(change(provisionedOf(before)));
        await this.#applyProvisioned(trx, caller, before, target, now, admins);
        await markScimWrite(trx, id, now);
      });
    } catch (error) {
      throw asConflict(error, 'accounts_human_email_key', emailTaken);
    }
    await this.#deps.changes.publish({ type: 'account', id });
  }

  /**
   * SCIM's delete: the person is deactivated, with the console's effects, and is gone for SCIM (404)
   * from then on; the console keeps them, deactivated, as the audit log refers to them.
   */
  async deprovision(caller: Caller, id: string): Promise<void> {
    requireProvisioner(caller);
    const now = this.#deps.clock.now();
    await this.#transaction(async (trx) => {
      const admins = await lockActiveAdmins(trx);
      const before = await this.#lockProvisioned(trx, id);
      if (!before.deactivated_at) {
        refuseOwnAccount(caller, id);
        refuseLastAdmin(admins, before, 'remove them');
        if (!isScimToken(caller)) requireStillAdmin(admins, caller);
        await this.#deactivateLocked(trx, caller, before, now, SCIM);
      }
      await markScimWrite(trx, id, now, true);
      await this.#deps.audit.record(trx, caller, 'account.deprovisioned', accountTarget(before), SCIM);
    });
    await this.#deps.changes.publish({ type: 'account', id });
  }

  /** A person SCIM may change, locked: not a service user, nor one SCIM deleted. */
  async #lockProvisioned(trx: Kysely<Database>, id: string): Promise<AccountWithTeams> {
    const locked = await lockAccount(trx, id);
    if (locked?.kind !== 'human' || locked.scim_deleted_at) throw notFound('User');
    return (await findAccountById(trx, id))!;
  }

  /** Make `before` (locked) into `target`, each change audited as made through SCIM. */
  async #applyProvisioned(
    trx: Kysely<Database>,
    caller: Caller,
    before: AccountWithTeams,
    target: Required<ProvisionedPerson>,
    now: Date,
    admins: { id: string; kind: AccountKind }[] | undefined,
  ): Promise<void> {
    const { audit } = this.#deps;
    const set: AccountFieldChanges = {};
    for (const field of ['email', 'name', 'given_name', 'family_name', 'external_id'] as const) {
      if (target[field] !== before[field]) set[field] = target[field];
    }
    if (target.role !== before.role) {
      if (before.id === caller.principal.account.id)
        throw forbidden('Nobody can change their own role.', 'own_role');
      set.role = target.role;
    }
    const deactivating = !target.active && !before.deactivated_at;
    const reactivating = target.active && before.deactivated_at !== null;
    if (deactivating) refuseOwnAccount(caller, before.id);
    if (admins) {
      if (deactivating) refuseLastAdmin(admins, before, 'deactivate them');
      else if (set.role !== undefined && set.role !== 'admin')
        refuseLastAdmin(admins, before, 'change their role');
      if (!isScimToken(caller)) requireStillAdmin(admins, caller);
    }
    await updateAccountFields(trx, before.id, set, now);
    const after = (await findAccountById(trx, before.id))!;
    if (Object.keys(set).length > 0) {
      await audit.record(trx, caller, 'account.updated', accountTarget(after), {
        changes: describeChanges(before, after),
        ...SCIM,
      });
    }
    if (deactivating) await this.#deactivateLocked(trx, caller, after, now, SCIM);
    if (reactivating) {
      await markReactivated(trx, before.id, now);
      await audit.record(trx, caller, 'account.reactivated', accountTarget(after), SCIM);
    }
  }

  /** Lets the account sign in again; no token is restored. */
  async reactivate(caller: Caller, id: string): Promise<AccountView> {
    requireRole(caller, 'admin');
    const { audit, clock } = this.#deps;
    await this.#transaction(async (trx) => {
      const account = await lockAccount(trx, id);
      if (!account) throw notFound('Account');
      if (!account.deactivated_at) throw conflict('not_deactivated', 'This account is not deactivated.');
      await markReactivated(trx, id, clock.now());
      await audit.record(
        trx,
        caller,
        'account.reactivated',
        accountTarget((await findAccountById(trx, id))!),
      );
    });
    await this.#deps.changes.publish({ type: 'account', id });
    return this.#view(id);
  }

  /**
   * `tessera make-admin`: the way back when no one who can sign in is an Admin any more. A deactivated
   * person is refused unless `reactivate` is set, so that nobody let go is brought back by a typo.
   */
  async makeAdmin(
    actor: CommandLineActor,
    email: string,
    options: { reactivate: boolean },
  ): Promise<{ account: AccountView; promoted: boolean; reactivated: boolean }> {
    const { audit } = this.#deps;
    const done = await this.#transaction(async (trx) => {
      const found = await lockHumanByEmail(trx, email);
      if (!found) throw nobodyWithEmail(email);
      if (found.deactivated_at && !options.reactivate) {
        throw conflict(
          'account_deactivated',
          `${email} is deactivated. To reactivate them and make them an Admin, add --reactivate.`,
        );
      }
      const before = (await findAccountById(trx, found.id))!;
      const reactivated = found.deactivated_at !== null;
      if (reactivated) {
        await markReactivated(trx, found.id, this.#deps.clock.now());
        await audit.record(trx, actor, 'account.reactivated', accountTarget(before));
      }
      const promoted = found.role !== 'admin';
      if (promoted) {
        await updateAccountFields(trx, found.id, { role: 'admin' }, this.#deps.clock.now());
        const after = (await findAccountById(trx, found.id))!;
        await audit.record(trx, actor, 'account.updated', accountTarget(after), {
          changes: describeChanges(before, after),
        });
      }
      return { id: found.id, promoted, reactivated };
    });
    await this.#deps.changes.publish({ type: 'account', id: done.id });
    return { account: await this.#view(done.id), promoted: done.promoted, reactivated: done.reactivated };
  }

  /**
   * `tessera reset-password`: a new generated password, returned once; the person's sessions end. While
   * password sign-in is off it is the way in when single sign-on is broken, for `BREAK_GLASS_MS`.
   */
  async resetPassword(
    actor: CommandLineActor,
    email: string,
  ): Promise<{ account: AccountView; password: string }> {
    const password = randomUrlSafe(12);
    const passwordHash = await hashPassword(password);
    const id = await this.#transaction(async (trx) => {
      const found = await lockHumanByEmail(trx, email);
      if (!found) throw nobodyWithEmail(email);
      const now = this.#deps.clock.now();
      await updateAccountFields(
        trx,
        found.id,
        { password_hash: passwordHash, break_glass_until: new Date(now.getTime() + BREAK_GLASS_MS) },
        now,
      );
      await deleteSessionsOf(trx, found.id);
      await this.#deps.audit.record(
        trx,
        actor,
        'account.password_reset',
        accountTarget((await findAccountById(trx, found.id))!),
      );
      return found.id;
    });
    return { account: await this.#view(id), password };
  }

  /**
   * A person changes their own password in the console: the current one is required (a session left open
   * on a shared machine must not be enough), and every other session of theirs ends. A wrong current
   * password is a 400 naming the field, not a 401: the session itself is fine.
   */
  async changeOwnPassword(caller: Caller, current: string, next: string): Promise<void> {
    const session = caller.principal.session;
    const { account } = caller.principal;
    if (!session || account.kind !== 'human') {
      throw forbidden('A password is changed from a console session, by the person it belongs to.');
    }
    if (next.length < PASSWORD_MIN_LENGTH || next.length > PASSWORD_MAX_LENGTH) {
      throw invalidField(
        'new_password',
        `Must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters.`,
      );
    }
    const found = await findPasswordOf(this.#deps.db, account.id);
    if (!found?.password_hash) {
      throw conflict(
        'no_password',
        'You sign in with single sign-on: there is no Tessera password to change.',
      );
    }
    if (!(await verifyPassword(found.password_hash, current))) {
      throw invalidField('current_password', 'The current password is not right.');
    }
    if (current === next) throw invalidField('new_password', 'Choose a password other than the current one.');
    const passwordHash = await hashPassword(next);
    await this.#transaction(async (trx) => {
      await updateAccountFields(trx, account.id, { password_hash: passwordHash }, this.#deps.clock.now());
      await deleteSessionsOf(trx, account.id, session.idHash);
      await this.#deps.audit.record(
        trx,
        caller,
        'account.password_changed',
        accountTarget((await findAccountById(trx, account.id))!),
      );
    });
  }

  /**
   * One transaction, run again when PostgreSQL aborts it for a deadlock or serialization failure: the
   * Admins' locks keep changes to accounts from deadlocking one another, but a transaction of another
   * kind (the last-used writer, which updates tokens and then their owners) can still meet one. One that
   * keeps losing answers 409, never 500.
   */
  async #transaction<T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    try {
      return await retryLostRaces(() => this.#deps.db.transaction().execute(work));
    } catch (error) {
      if (isLostRace(error)) {
        throw conflict('concurrent_change', 'Another change to these accounts got in the way. Try again.');
      }
      throw error;
    }
  }

  async #view(id: string): Promise<AccountView> {
    const row = await findAccountById(this.#deps.db, id);
    if (!row) throw notFound('Account');
    return accountView(row, await countActiveTokensOf(this.#deps.db, id, this.#deps.clock.now()));
  }
}

/**
 * Called with the Admins locked (`lockActiveAdmins`): refuses a change that would leave no active person
 * with the Admin role. Service users with the role do not count, as they cannot sign in to the console.
 */
function refuseLastAdmin(
  admins: { id: string; kind: AccountKind }[],
  account: AccountWithTeams,
  action: string,
): void {
  if (!isLastAdmin(admins, account)) return;
  throw conflict(
    'last_admin',
    `${accountHandle(account)} is the last active person with the Admin role. Make someone else an Admin first, then ${action}.`,
  );
}

/** With the Admins locked: whether `account` is the only active person with the Admin role. */
function isLastAdmin(admins: { id: string; kind: AccountKind }[], account: AccountWithTeams): boolean {
  if (account.kind !== 'human' || !admins.some((admin) => admin.id === account.id)) return false;
  return !admins.some((admin) => admin.kind === 'human' && admin.id !== account.id);
}

/**
 * Checked with the Admins locked, after `refuseLastAdmin` (so that of two Admins demoting each other, the
 * second hears why): an Admin demoted or deactivated by another while their own request waited on the
 * locks acts no more.
 */
function requireStillAdmin(admins: { id: string }[], caller: Caller): void {
  if (!admins.some((admin) => admin.id === caller.principal.account.id)) {
    throw forbidden('This needs the admin role.');
  }
}

const nobodyWithEmail = (email: string) =>
  new AppError(404, 'not_found', `Nobody has the email ${email}.`, { field: 'email' });

function refuseOwnAccount(caller: Caller, id: string): void {
  if (id === caller.principal.account.id)
    throw conflict('own_account', 'You cannot deactivate your own account.');
}

/**
 * The name and email of a person the identity provider manages are the provider's: a change made here
 * would be undone by its next sync, so it is refused and the person changed there instead.
 */
function refuseProviderFields(before: AccountWithTeams, set: AccountFieldChanges): void {
  if (!before.scim_updated_at) return;
  for (const field of ['name', 'email'] as const) {
    if (set[field] !== undefined && set[field] !== before[field]) {
      throw conflict(
        'managed_by_scim',
        `${field}: ${accountHandle(before)} is managed by your identity provider through SCIM; change their ${field} there.`,
        { field },
      );
    }
  }
}

function checkOptionalName(raw: string | null | undefined, field = 'name'): string | null {
  const name = raw?.trim();
  if (!name) return null;
  if ([...name].length > ACCOUNT_NAME_MAX)
    throw invalidField(field, `Must be at most ${ACCOUNT_NAME_MAX} characters.`);
  if (hasControlCharacters(name)) throw invalidField(field, 'Must not contain control characters.');
  return name;
}

async function checkTeamsExist(db: Kysely<Database>, teamIds: string[] | undefined): Promise<void> {
  if (!teamIds || teamIds.length === 0) return;
  const unique = [...new Set(teamIds)];
  const found = await findTeamsByIds(db, unique);
  const missing = unique.filter((id) => !found.some((team) => team.id === id));
  if (missing.length > 0) throw invalidField('team_ids', `No team has the ID ${missing[0]}.`);
}

function accountTarget(account: AccountWithTeams): AuditTarget {
  return { type: 'account', id: account.id, label: accountHandle(account) };
}

function describeChanges(before: AccountWithTeams, after: AccountWithTeams): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const key of [
    'name',
    'email',
    'role',
    'avatar_url',
    'given_name',
    'family_name',
    'external_id',
  ] as const) {
    if (before[key] !== after[key]) changes[key] = { from: before[key], to: after[key] };
  }
  const teamNames = (a: AccountWithTeams) => a.teams.map((t) => t.name).join(', ');
  if (teamNames(before) !== teamNames(after))
    changes.teams = { from: teamNames(before), to: teamNames(after) };
  return changes;
}

const emailTaken = () => taken('email', 'email_taken', 'Someone already has this email address.');
