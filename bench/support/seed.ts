import { type Kysely, sql } from 'kysely';
import { generateSecret } from '../../src/core/secret.ts';
import { sha256Hex } from '../../src/platform/hashing.ts';
import type { Database } from '../../src/platform/schema.ts';

export interface ScaleOptions {
  /** Accounts besides those already there (the Admin): 10% of them service users. */
  accounts: number;
  /** Tokens: `adminTokens` personal tokens of the Admin, then service and personal ones spread out. */
  tokens: number;
  adminTokens: number;
  /** The Admin's email, whose personal tokens the personal list shows. */
  adminEmail: string;
  /** false: every token active (for load on the hot path); default: a mix of states. */
  expired?: boolean;
}

/** Tokens per INSERT statement. */
const CHUNK = 50_000;

export const SCALE: Omit<ScaleOptions, 'adminEmail'> = {
  accounts: 10_000,
  tokens: 100_000,
  adminTokens: 1_000,
};

const WORDS = [
  'deploy',
  'backup',
  'ci',
  'airflow',
  'grafana',
  'terraform',
  'metrics',
  'nightly',
  'sync',
  'export',
];

/**
 * Fills a migrated database with `accounts` accounts (one INSERT … SELECT generate_series) and `tokens`
 * tokens (one INSERT … SELECT unnest per 50,000 hashes, generated here), with real secrets whose SHA-256 is stored, so that every seeded
 * token authenticates. Returns the secrets, in token order.
 *
 * Tokens: 10% revoked, 10% expired, 20% never expire; 30% never used, the others used at some time in
 * the last 90 days; names are a word of ten and a number, so a name search matches about 10%.
 */
export async function seedScale(db: Kysely<Database>, options: ScaleOptions): Promise<string[]> {
  const humans = Math.round(options.accounts * 0.9);
  await sql`
    insert into accounts (kind, email, name, internal_id, role, password_hash, created_at, deactivated_at,
                          last_active_at)
    select case when g <= ${humans} then 'human' else 'service' end,
           case when g <= ${humans} then 'person' || g || '@example.com' end,
           case when g <= ${humans} then 'Person ' || g else 'svc-' || (g - ${humans}) end,
           case when g > ${humans} then 'svc-' || (g - ${humans}) || '@service' end,
           case when g % 50 = 0 then 'admin' when g % 10 = 0 then 'manager' else 'member' end,
           case when g <= ${humans} then 'not a password hash: cannot sign in' end,
           now() - (g || ' minutes')::interval,
           case when g % 20 = 7 then now() - interval '3 days' end,
           case when g % 3 <> 0 then now() - ((g::bigint * 7919) % 7776000 || ' seconds')::interval end
    from generate_series(1, ${options.accounts}) g`.execute(db);
  await sql`
    insert into account_teams (account_id, team_id)
    select a.id, t.id from accounts a, teams t where t.builtin
    on conflict do nothing`.execute(db);

  const secrets = Array.from({ length: options.tokens }, (_, i) =>
    generateSecret(i >= options.adminTokens && i % 5 < 3 ? 'service' : 'personal'),
  );
  const words = sql.raw(`array[${WORDS.map((w) => `'${w}'`).join(',')}]`);
  // Owners by number: the Admin first, then the service users for service tokens and the people for
  // the rest. Array positions are 1-based. In chunks: one statement of a million hashes would be one
  // 70 MB parameter, and one transaction holding all of its index entries.
  for (let offset = 0; offset < secrets.length; offset += CHUNK) {
    const hashes = secrets.slice(offset, offset + CHUNK).map(sha256Hex);
    await sql`
    with admin as (select id from accounts where lower(email) = ${options.adminEmail.toLowerCase()}),
    people as (select array_agg(id order by email) as ids from accounts
               where kind = 'human' and lower(email) <> ${options.adminEmail.toLowerCase()}),
    robots as (select array_agg(id order by internal_id) as ids from accounts where kind = 'service'),
    s as (select h, (${offset} + g)::int as g from unnest(${hashes}::text[]) with ordinality as s(h, g))
    insert into tokens (kind, owner_id, name, secret_hash, hint, created_at, created_by, expires_at,
                        revoked_at, revoked_reason, last_used_at, last_used_ip, last_used_user_agent)
    select kind, owner_id,
           (${words})[1 + (g / 50) % 10] || ' ' || g,
           h, right(h, 4),
           now() - (g || ' minutes')::interval,
           owner_id,
           case when (g / 5) % 10 = 1 then now() - ((g % 30) + 1 || ' days')::interval
                when (g / 5) % 10 in (2, 7) then null
                else now() + ((g % 365) + 1 || ' days')::interval end,
           case when (g / 5) % 10 = 0 then now() - interval '1 day' end,
           case when (g / 5) % 10 = 0 then 'rotated' end,
           case when (g / 3) % 10 not in (3, 6, 9) then now() - ((g::bigint * 7919) % 7776000 || ' seconds')::interval end,
           case when (g / 3) % 10 not in (3, 6, 9) then '10.0.' || (g % 250) || '.' || (g % 200) end,
           case when (g / 3) % 10 not in (3, 6, 9) then 'bench/' || (g % 7) end
    from (
      select s.h, s.g,
             case when g <= ${options.adminTokens} then 'personal'
                  when (g - 1) % 5 < 3 then 'service' else 'personal' end as kind,
             case when g <= ${options.adminTokens} then (select id from admin)
                  when (g - 1) % 5 < 3 then robots.ids[1 + g % array_length(robots.ids, 1)]
                  else people.ids[1 + g % array_length(people.ids, 1)] end as owner_id
      from s, people, robots
    ) x`.execute(db);
  }
  if (options.expired === false) {
    await sql`update tokens set revoked_at = null, revoked_reason = null, expires_at = null`.execute(db);
    await sql`update accounts set deactivated_at = null`.execute(db);
    // The update left a dead version of every row, and its entry in each index: without the vacuum, a
    // lookup by secret hash reads two index entries (bench/restart.ts counts them) and scans do more.
    await sql`vacuum analyze tokens, accounts`.execute(db);
  }
  await sql`analyze`.execute(db);
  return secrets;
}
