import { type Kysely, sql } from 'kysely';
import { teamsOf } from '../../accounts/index.ts';
import type { TokenKind } from '../../core/token-kind.ts';
import type { Database } from '../../platform/schema.ts';
import { PRINCIPAL_ACCOUNT_COLUMNS, type PrincipalAccountRow } from '../principal.ts';

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

/** The token and its owner as authentication reads them, in one select; `where` picks the tokens. */
function selectTokenPrincipals(db: Kysely<Database>) {
  return db
    .selectFrom('tokens as t')
    .innerJoin('accounts as a', 'a.id', 't.owner_id')
    .leftJoin('tokens as successor', 'successor.id', 't.replaced_by')
    .select([
      't.secret_hash',
      't.id as token_id',
      't.kind as token_kind',
      't.owner_id',
      't.name as token_name',
      't.hint',
      't.scopes',
      't.created_at',
      't.created_by',
      't.expires_at',
      't.revoked_at',
      't.revoked_by',
      't.revoked_reason',
      't.last_used_at',
      't.last_used_ip',
      't.last_used_user_agent',
      't.description',
      't.allowed_networks',
      't.trust_policy_id',
      't.federated_claims',
      'successor.id as replaced_by_id',
      'successor.name as replaced_by_name',
    ])
    .select((eb) => [
      eb
        .selectFrom('tokens as p')
        .select('p.id')
        .whereRef('p.replaced_by', '=', 't.id')
        .orderBy('p.created_at', 'desc')
        .limit(1)
        .as('replaces_id'),
      eb
        .selectFrom('tokens as p')
        .select('p.name')
        .whereRef('p.replaced_by', '=', 't.id')
        .orderBy('p.created_at', 'desc')
        .limit(1)
        .as('replaces_name'),
      // The catalog's word on this token's upstream scopes, in the same round trip.
      sql<string[]>`array(select s.name || ' ' || s.min_role from scopes s where s.name = any(t.scopes))`.as(
        'scope_roles',
      ),
    ])
    .select(PRINCIPAL_ACCOUNT_COLUMNS)
    .select((eb) => teamsOf(eb.ref('a.id')).as('teams'));
}

type SelectedTokenPrincipal = Awaited<
  ReturnType<ReturnType<typeof selectTokenPrincipals>['executeTakeFirstOrThrow']>
>;

function tokenPrincipal(row: SelectedTokenPrincipal): TokenPrincipalRow {
  const {
    secret_hash: _,
    token_id,
    token_kind,
    owner_id,
    token_name,
    hint,
    scopes,
    scope_roles,
    created_at,
    created_by,
    expires_at,
    revoked_at,
    revoked_by,
    revoked_reason,
    last_used_at,
    last_used_ip,
    last_used_user_agent,
    description,
    allowed_networks,
    trust_policy_id,
    federated_claims,
    replaced_by_id,
    replaced_by_name,
    replaces_id,
    replaces_name,
    ...account
  } = row;
  return {
    token: {
      id: token_id,
      kind: token_kind,
      owner_id,
      name: token_name,
      hint,
      scopes,
      scope_roles,
      created_at,
      created_by,
      expires_at,
      revoked_at,
      revoked_by,
      revoked_reason,
      last_used_at,
      last_used_ip,
      last_used_user_agent,
      description,
      allowed_networks,
      trust_policy_id,
      federated_claims,
      replaced_by_id,
      replaced_by_name,
      replaces_id,
      replaces_name,
    },
    account,
  };
}

/**
 * Authentication's one round trip: the token by its hash, with its owner's current role and teams. The
 * whole token row comes along so that the verification cache can also answer `GET /api/me`.
 */
export async function findTokenPrincipal(
  db: Kysely<Database>,
  secretHash: string,
): Promise<TokenPrincipalRow | undefined> {
  const row = await selectTokenPrincipals(db).where('t.secret_hash', '=', secretHash).executeTakeFirst();
  return row && tokenPrincipal(row);
}

/** The same for many hashes in one round trip (the cache's refresh): found rows by hash. */
export async function findTokenPrincipals(
  db: Kysely<Database>,
  secretHashes: readonly string[],
): Promise<Map<string, TokenPrincipalRow>> {
  const found = new Map<string, TokenPrincipalRow>();
  if (secretHashes.length === 0) return found;
  const rows = await selectTokenPrincipals(db).where('t.secret_hash', 'in', secretHashes).execute();
  for (const row of rows) found.set(row.secret_hash, tokenPrincipal(row));
  return found;
}
