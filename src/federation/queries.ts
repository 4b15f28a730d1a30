import type { Kysely } from 'kysely';
import type { Database, TrustCondition } from '../platform/schema.ts';

export interface TrustPolicyFields {
  issuer: string;
  audience: string;
  conditions: TrustCondition[];
  lifetime_minutes: number;
  scopes: string[];
}

const POLICY_COLUMNS = [
  'p.id',
  'p.service_user_id',
  'p.issuer',
  'p.audience',
  'p.conditions',
  'p.lifetime_minutes',
  'p.scopes',
  'p.created_at',
  'p.updated_at',
] as const;

export type TrustPolicyRow = Awaited<ReturnType<typeof findPolicy>> & {};

export function findPolicy(db: Kysely<Database>, serviceUserId: string, id: string) {
  return db
    .selectFrom('trust_policies as p')
    .select(POLICY_COLUMNS)
    .where('p.service_user_id', '=', serviceUserId)
    .where('p.id', '=', id)
    .executeTakeFirst();
}

export function listPolicies(db: Kysely<Database>, serviceUserId: string) {
  return db
    .selectFrom('trust_policies as p')
    .select(POLICY_COLUMNS)
    .where('p.service_user_id', '=', serviceUserId)
    .orderBy('p.created_at')
    .orderBy('p.id')
    .execute();
}

/** Every policy that trusts `issuer`, with its service user's handle, oldest first. */
export function policiesOfIssuer(db: Kysely<Database>, issuer: string) {
  return db
    .selectFrom('trust_policies as p')
    .innerJoin('accounts as a', 'a.id', 'p.service_user_id')
    .select(POLICY_COLUMNS)
    .select(['a.internal_id as service_user_internal_id'])
    .where('p.issuer', '=', issuer)
    .orderBy('p.created_at')
    .orderBy('p.id')
    .execute();
}

export function insertPolicy(
  db: Kysely<Database>,
  serviceUserId: string,
  fields: TrustPolicyFields,
  createdBy: string,
  now: Date,
) {
  return db
    .insertInto('trust_policies')
    .values({
      service_user_id: serviceUserId,
      issuer: fields.issuer,
      audience: fields.audience,
      conditions: JSON.stringify(fields.conditions),
      lifetime_minutes: fields.lifetime_minutes,
      scopes: fields.scopes,
      created_by: createdBy,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export function updatePolicy(db: Kysely<Database>, id: string, fields: TrustPolicyFields, now: Date) {
  return db
    .updateTable('trust_policies')
    .set({
      issuer: fields.issuer,
      audience: fields.audience,
      conditions: JSON.stringify(fields.conditions),
      lifetime_minutes: fields.lifetime_minutes,
      scopes: fields.scopes,
      updated_at: now,
    })
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

export function deletePolicy(db: Kysely<Database>, id: string) {
  return db.deleteFrom('trust_policies').where('id', '=', id).executeTakeFirst();
}

export function findServiceUser(db: Kysely<Database>, id: string) {
  return db
    .selectFrom('accounts')
    .select(['id', 'kind', 'name', 'email', 'internal_id', 'role'])
    .where('id', '=', id)
    .where('kind', '=', 'service')
    .executeTakeFirst();
}

/**
 * Spend a JWT's `jti`: false when it was spent already. Two nodes inserting the same one at once: the
 * second waits for the first's transaction, then inserts nothing. Rows of JWTs long expired go first.
 */
export async function spendJti(
  db: Kysely<Database>,
  jti: { issuer: string; jti: string; keepUntil: Date },
  now: Date,
): Promise<boolean> {
  await db.deleteFrom('federation_jtis').where('expires_at', '<', now).execute();
  const inserted = await db
    .insertInto('federation_jtis')
    .values({ issuer: jti.issuer, jti: jti.jti, expires_at: jti.keepUntil })
    .onConflict((oc) => oc.columns(['issuer', 'jti']).doNothing())
    .returning('jti')
    .executeTakeFirst();
  return inserted !== undefined;
}
