import { type Kysely, sql } from 'kysely';
import { teamsOf } from '../../accounts/index.ts';
import type { TokenKind } from '../../core/token-kind.ts';
import { namedStatement, Slot } from '../../platform/prepared-statements.ts';
import type { Database } from '../../platform/schema.ts';
import { selectTokenRows } from '../../tokens/index.ts';
import type { PrincipalAccountRow } from '../principal.ts';

/** Every column of a token row that authentication and `GET /api/me` show. */
export interface VerifiedTokenRow {
  id: string;
  kind: TokenKind;
  owner_id: string;
  name: string;
  hint: string;
  /** As stored; the principal holds the effective ones (src/core/scopes.ts). */
  scopes: string[];
  /** The lowest role of each of `scopes` the catalog holds now: "name role" pairs. */
  scope_roles: string[];
  created_at: Date;
  created_by: string | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  revoked_by: string | null;
  revoked_reason: string | null;
  last_used_at: Date | null;
  last_used_ip: string | null;
  last_used_user_agent: string | null;
  description: string | null;
  /** CIDR blocks the token may be used from; null: anywhere. */
  allowed_networks: string[] | null;
  trust_policy_id: string | null;
  federated_claims: Record<string, unknown> | null;
  replaced_by_id: string | null;
  replaced_by_name: string | null;
  replaces_id: string | null;
  replaces_name: string | null;
}

export interface TokenPrincipalRow {
  token: VerifiedTokenRow;
  account: PrincipalAccountRow;
}

/**
 * The token and its owner as authentication reads them, in one select: the owner's columns are prefixed
 * (`account_`) where a token's have the same name.
 */
function selectTokenPrincipals(db: Kysely<Database>) {
  return selectTokenRows(db)
    .innerJoin('accounts as a', 'a.id', 't.owner_id')
    .select([
      't.secret_hash',
      'a.id as account_id',
      'a.kind as account_kind',
      'a.role',
      'a.name as account_name',
      'a.email',
      'a.internal_id',
      'a.avatar_url',
      'a.deactivated_at',
    ])
    .select([
      // The catalog's word on this token's upstream scopes, in the same round trip.
      sql<string[]>`array(select s.name || ' ' || s.min_role from scopes s where s.name = any(t.scopes))`.as(
        'scope_roles',
      ),
      teamsOf(sql.ref('a.id')).as('teams'),
    ]);
}

type SelectedTokenPrincipal = Awaited<
  ReturnType<ReturnType<typeof selectTokenPrincipals>['executeTakeFirstOrThrow']>
>;

/** One frozen copy of each distinct list of scopes: most tokens carry one of a few. */
const sharedLists = new Map<string, readonly string[]>();
const MAX_SHARED_LISTS = 10_000;

function sharedList(list: string[]): string[] {
  const key = list.join('\n');
  let shared = sharedLists.get(key);
  if (!shared) {
    if (sharedLists.size >= MAX_SHARED_LISTS) return list;
    shared = Object.freeze(list);
    sharedLists.set(key, shared);
  }
  return shared as string[];
}

/**
 * The row as the verification cache keeps it, 100,000 of them by default: every field in one literal
 * (V8 then keeps them in the object itself), and values many rows hold alike (the kind, the owner's id,
 * the lists of scopes) shared rather than copied per row.
 */
function tokenPrincipal(row: SelectedTokenPrincipal): TokenPrincipalRow {
  const ownerId = row.account_id;
  return {
    token: {
      id: row.id,
      kind: row.kind === 'service' ? 'service' : 'personal',
      owner_id: ownerId,
      name: row.name,
      hint: row.hint,
      scopes: sharedList(row.scopes),
      scope_roles: sharedList(row.scope_roles),
      created_at: row.created_at,
      created_by: row.created_by === ownerId ? ownerId : row.created_by,
      expires_at: row.expires_at,
      revoked_at: row.revoked_at,
      revoked_by: row.revoked_by,
      revoked_reason: row.revoked_reason,
      last_used_at: row.last_used_at,
      last_used_ip: row.last_used_ip,
      last_used_user_agent: row.last_used_user_agent,
      description: row.description,
      allowed_networks: row.allowed_networks,
      trust_policy_id: row.trust_policy_id,
      federated_claims: row.federated_claims,
      replaced_by_id: row.replaced_by_id,
      replaced_by_name: row.replaced_by_name,
      replaces_id: row.replaces_id,
      replaces_name: row.replaces_name,
    },
    account: {
      id: ownerId,
      kind: row.account_kind,
      role: row.role,
      name: row.account_name,
      email: row.email,
      internal_id: row.internal_id,
      avatar_url: row.avatar_url,
      deactivated_at: row.deactivated_at,
      teams: row.teams,
    },
  };
}

/** Hashes per lookup: a batch is one statement whatever its size, and a few thousand stay quick. */
export const LOOKUP_BATCH = 1000;

/**
 * The verification of the tokens with these SHA-256 hashes, by hash; a hash not found is absent. Built
 * and compiled once and run as a named statement (prepared once per connection): the token's cold path,
 * every first request after a start and every token beyond the cache, is this one query.
 */
export function lookUpVerifications(db: Kysely<Database>) {
  // Two statements: PostgreSQL plans a prepared statement for its values until a plan for any values
  // costs no more. For `= any($1)` it expects ten rows and the generic plan never looks as cheap as
  // one for a single hash, so one hash alone (every miss at low load) would be planned on every run.
  const hash = new Slot('hash');
  const one = namedStatement(
    'tessera_verification',
    selectTokenPrincipals(db).where(sql<boolean>`t.secret_hash = ${hash}`).compile(),
    [hash],
  );
  const hashes = new Slot('hashes');
  const many = namedStatement(
    'tessera_verifications',
    selectTokenPrincipals(db).where(sql<boolean>`t.secret_hash = any(${hashes}::text[])`).compile(),
    [hashes],
  );
  return async (wanted: readonly string[]): Promise<Map<string, TokenPrincipalRow>> => {
    const found = new Map<string, TokenPrincipalRow>();
    if (wanted.length === 0) return found;
    const { rows } = await db.executeQuery(wanted.length === 1 ? one([wanted[0]]) : many([wanted]));
    for (const row of rows) found.set(row.secret_hash, tokenPrincipal(row));
    return found;
  };
}

export type VerificationLookup = ReturnType<typeof lookUpVerifications>;
