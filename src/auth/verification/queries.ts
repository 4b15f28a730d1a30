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

function tokenPrincipal(row: SelectedTokenPrincipal): TokenPrincipalRow {
  const {
    secret_hash: _,
    account_id,
    account_kind,
    role,
    account_name,
    email,
    internal_id,
    avatar_url,
    deactivated_at,
    teams,
    ...token
  } = row;
  return {
    token,
    account: {
      id: account_id,
      kind: account_kind,
      role,
      name: account_name,
      email,
      internal_id,
      avatar_url,
      deactivated_at,
      teams,
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
  const hashes = new Slot('hashes');
  const statement = namedStatement(
    'tessera_verification',
    selectTokenPrincipals(db).where(sql<boolean>`t.secret_hash = any(${hashes}::text[])`).compile(),
    [hashes],
  );
  return async (wanted: readonly string[]): Promise<Map<string, TokenPrincipalRow>> => {
    const found = new Map<string, TokenPrincipalRow>();
    if (wanted.length === 0) return found;
    const { rows } = await db.executeQuery(statement([wanted]));
    for (const row of rows) found.set(row.secret_hash, tokenPrincipal(row));
    return found;
  };
}

export type VerificationLookup = ReturnType<typeof lookUpVerifications>;
