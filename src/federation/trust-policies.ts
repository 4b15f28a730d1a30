import type { Kysely } from 'kysely';
import type { AuditLog, AuditTarget } from '../audit/index.ts';
import { isoTime } from '../core/iso-time.ts';
import { accountHandle, type Caller, requireRole } from '../platform/caller.ts';
import type { Clock } from '../platform/clock.ts';
import { invalidField, notFound } from '../platform/errors.ts';
import type { Database, TrustCondition } from '../platform/schema.ts';
import { checkScopeList, checkUpstreamScopes } from '../tokens/index.ts';
import { CHECKED_CLAIMS, CLAIM_NAME } from './conditions.ts';
import { checkIssuerUrl } from './issuer-url.ts';
import {
  deletePolicy,
  findPolicy,
  findServiceUser,
  insertPolicy,
  listPolicies,
  type TrustPolicyFields,
  type TrustPolicyRow,
  updatePolicy,
} from './queries.ts';

export const MIN_LIFETIME_MINUTES = 5;
export const MAX_LIFETIME_MINUTES = 60;
export const MAX_CONDITIONS = 20;

export interface TrustPolicyView {
  id: string;
  service_user_id: string;
  issuer: string;
  audience: string;
  conditions: TrustCondition[];
  lifetime_minutes: number;
  scopes: string[];
  created_at: string;
  updated_at: string;
}

export type TrustPolicyInput = Omit<TrustPolicyFields, 'scopes'> & { scopes?: string[] | undefined };

export function trustPolicyView(row: TrustPolicyRow): TrustPolicyView {
  return {
    id: row.id,
    service_user_id: row.service_user_id,
    issuer: row.issuer,
    audience: row.audience,
    conditions: row.conditions,
    lifetime_minutes: row.lifetime_minutes,
    scopes: row.scopes,
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
  };
}

/** Who may trade an OIDC token for a token of a service user: Admins manage them. */
export class TrustPolicies {
  readonly #deps: { db: Kysely<Database>; clock: Clock; audit: AuditLog };

  constructor(deps: { db: Kysely<Database>; clock: Clock; audit: AuditLog }) {
    this.#deps = deps;
  }

  async list(caller: Caller, serviceUserId: string): Promise<TrustPolicyView[]> {
    requireRole(caller, 'admin');
    await this.#serviceUser(serviceUserId);
    return (await listPolicies(this.#deps.db, serviceUserId)).map(trustPolicyView);
  }

  async create(caller: Caller, serviceUserId: string, input: TrustPolicyInput): Promise<TrustPolicyView> {
    requireRole(caller, 'admin');
    const fields = checkPolicy(input);
    const owner = await this.#serviceUser(serviceUserId);
    const { db, clock, audit } = this.#deps;
    const row = await db.transaction().execute(async (trx) => {
      await checkUpstreamScopes(trx, fields.scopes, owner.role);
      const { id } = await insertPolicy(trx, serviceUserId, fields, caller.principal.account.id, clock.now());
      await audit.record(trx, caller, 'trust_policy.created', targetOf(owner), { id, ...fields });
      return findPolicy(trx, serviceUserId, id);
    });
    return trustPolicyView(row!);
  }

  async update(
    caller: Caller,
    serviceUserId: string,
    id: string,
    input: Partial<TrustPolicyInput>,
  ): Promise<TrustPolicyView> {
    requireRole(caller, 'admin');
    const owner = await this.#serviceUser(serviceUserId);
    const { db, clock, audit } = this.#deps;
    const row = await db.transaction().execute(async (trx) => {
      const before = await findPolicy(trx, serviceUserId, id);
      if (!before) throw notFound('Trust policy');
      const fields = checkPolicy({
        issuer: input.issuer ?? before.issuer,
        audience: input.audience ?? before.audience,
        conditions: input.conditions ?? before.conditions,
        lifetime_minutes: input.lifetime_minutes ?? before.lifetime_minutes,
        scopes: input.scopes ?? before.scopes,
      });
      await checkUpstreamScopes(trx, fields.scopes, owner.role);
      await updatePolicy(trx, id, fields, clock.now());
      const { id: _, service_user_id: __, created_at: ___, updated_at: ____, ...was } = before;
      await audit.record(trx, caller, 'trust_policy.updated', targetOf(owner), { id, from: was, to: fields });
      return findPolicy(trx, serviceUserId, id);
    });
    return trustPolicyView(row!);
  }

  /** Tokens it issued keep working until they expire (at most an hour) or are revoked. */
  async delete(caller: Caller, serviceUserId: string, id: string): Promise<void> {
    requireRole(caller, 'admin');
    const owner = await this.#serviceUser(serviceUserId);
    const { db, audit } = this.#deps;
    await db.transaction().execute(async (trx) => {
      const before = await findPolicy(trx, serviceUserId, id);
      if (!before) throw notFound('Trust policy');
      await deletePolicy(trx, id);
      await audit.record(trx, caller, 'trust_policy.deleted', targetOf(owner), {
        id,
        issuer: before.issuer,
        audience: before.audience,
        conditions: before.conditions,
      });
    });
  }

  async #serviceUser(id: string) {
    const owner = await findServiceUser(this.#deps.db, id);
    if (!owner) throw notFound('Service user');
    return owner;
  }
}

function targetOf(owner: {
  id: string;
  email: string | null;
  name: string | null;
  internal_id: string | null;
}): AuditTarget {
  return { type: 'account', id: owner.id, label: accountHandle(owner) };
}

/** The rules zod cannot say, each naming its field. */
export function checkPolicy(input: TrustPolicyInput): TrustPolicyFields {
  const issuer = checkIssuerUrl(input.issuer);
  if (!issuer.ok) throw invalidField('issuer', issuer.message);
  const audience = input.audience.trim();
  if (audience === '' || audience.length > 500) {
    throw invalidField('audience', 'Must be 1–500 characters: the `aud` the CI job asks its JWT for.');
  }
  const lifetime = input.lifetime_minutes;
  if (!Number.isInteger(lifetime) || lifetime < MIN_LIFETIME_MINUTES || lifetime > MAX_LIFETIME_MINUTES) {
    throw invalidField(
      'lifetime_minutes',
      `Must be a whole number of minutes from ${MIN_LIFETIME_MINUTES} to ${MAX_LIFETIME_MINUTES}.`,
    );
  }
  if (input.conditions.length === 0 || input.conditions.length > MAX_CONDITIONS) {
    throw invalidField('conditions', `List 1 to ${MAX_CONDITIONS} conditions, one of them on sub.`);
  }
  const conditions: TrustCondition[] = input.conditions.map((condition, index) => {
    const field = `conditions[${index}]`;
    const claim = condition.claim.trim();
    if (!CLAIM_NAME.test(claim)) {
      throw invalidField(`${field}.claim`, 'A claim name: 1–100 letters, digits, and _ . : -');
    }
    if (CHECKED_CLAIMS.has(claim)) {
      throw invalidField(
        `${field}.claim`,
        `${claim} is checked on every JWT already (the issuer, the audience, the times and the jti).`,
      );
    }
    const value = condition.value.trim();
    if (value === '' || value.length > 500) throw invalidField(`${field}.value`, 'Must be 1–500 characters.');
    return { claim, value, match: condition.match };
  });
  // Any job on a public CI service can get a JWT from its issuer, with any audience it likes: only the
  // subject tells one repository or project from another.
  // A glob that begins with a wildcard pins nothing at the front, where issuers put the repository.
  const pinned = conditions.some((c) => c.claim === 'sub' && (c.match === 'exact' || !/^[*?]/.test(c.value)));
  if (!pinned) {
    throw invalidField(
      'conditions',
      'One condition must be on sub, and not begin with * or ?: every job of the issuer could otherwise pass.',
    );
  }
  return {
    issuer: issuer.url,
    audience,
    conditions,
    lifetime_minutes: lifetime,
    scopes: checkScopeList(input.scopes),
  };
}
