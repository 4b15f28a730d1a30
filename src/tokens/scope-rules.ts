import type { Kysely } from 'kysely';
import { ROLE_LABELS, type Role, roleAtLeast } from '../core/roles.ts';
import { DEFAULT_SCOPES, isApiScope, MAX_TOKEN_SCOPES } from '../core/scopes.ts';
import { AppError, invalidField } from '../platform/errors.ts';
import type { Database } from '../platform/schema.ts';

/** The scopes asked for, without repeats; none asked for: `api`, today's full-power token. 400 past 50. */
export function checkScopeList(scopes: readonly string[] | undefined): string[] {
  if (scopes === undefined) return [...DEFAULT_SCOPES];
  const unique = [...new Set(scopes)];
  if (unique.length === 0) throw invalidField('scopes', 'A token needs at least one scope.');
  if (unique.length > MAX_TOKEN_SCOPES) {
    throw invalidField('scopes', `At most ${MAX_TOKEN_SCOPES} scopes; ${unique.length} were sent.`);
  }
  return unique;
}

/**
 * Every upstream scope must be in the catalog (400 naming the first that is not) and reachable by the
 * owner's role (403 naming it). The catalog rows are share-locked, so a scope deleted meanwhile waits for
 * this token and is then taken off it too.
 */
export async function checkUpstreamScopes(db: Kysely<Database>, scopes: readonly string[], ownerRole: Role) {
  const upstream = scopes.filter((scope) => !isApiScope(scope));
  if (upstream.length === 0) return;
  const rows = await db
    .selectFrom('scopes')
    .select(['name', 'min_role'])
    .where('name', 'in', upstream)
    .forShare()
    .execute();
  const minimum = new Map(rows.map((row) => [row.name, row.min_role]));
  for (const scope of upstream) {
    const role = minimum.get(scope);
    if (role === undefined) {
      throw new AppError(
        400,
        'invalid_request',
        `scopes: "${scope.slice(0, 64)}" is not a scope (GET /api/scopes).`,
        {
          field: 'scopes',
          scope: scope.slice(0, 64),
        },
      );
    }
    if (!roleAtLeast(ownerRole, role)) {
      throw new AppError(
        403,
        'forbidden',
        `scopes: "${scope}" needs an owner with the ${ROLE_LABELS[role]} role or higher.`,
        { field: 'scopes', scope },
      );
    }
  }
}
