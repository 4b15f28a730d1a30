import { isPathWithin } from './request-path.ts';
import { type Role, roleAtLeast } from './roles.ts';

/**
 * Tessera's own scopes: `api` (everything the owner's role allows), `read_api` (only GET and HEAD under
 * /api/), `scim` (only /scim/v2/), `introspect` (calling POST /api/introspect as its caller, when
 * TESSERA_INTROSPECTION_AUTH=caller). Every other scope is an upstream scope from the Admins' catalog.
 */
export const API_SCOPES = ['api', 'read_api', 'scim', 'introspect'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export const API_SCOPE_DESCRIPTIONS: Record<ApiScope, { label: string; description: string }> = {
  api: { label: 'Full API', description: "Everything the owner's role allows in Tessera's API." },
  read_api: { label: 'Read-only API', description: "Only reads (GET, HEAD) of Tessera's API." },
  scim: { label: 'SCIM', description: 'Only SCIM provisioning (/scim/v2/); Admins only.' },
  introspect: {
    label: 'Introspection',
    description: 'Asking Tessera about other tokens (POST /api/introspect), for a resource server.',
  },
};

/** The scopes of a token generated without any: today's full-power token. */
export const DEFAULT_SCOPES: readonly string[] = ['api'];

export const MAX_TOKEN_SCOPES = 50;

export const SCOPE_NAME_PATTERN = /^[a-z][a-z0-9_.:-]{0,63}$/;

export const SCOPE_DESCRIPTION_MAX = 500;

export const SCIM_PREFIX = '/scim/v2';

export function isApiScope(scope: string): scope is ApiScope {
  return scope === 'api' || scope === 'read_api' || scope === 'scim' || scope === 'introspect';
}

/** Why a catalog name is refused, or undefined when it is a good one. */
export function scopeNameProblem(name: string): string | undefined {
  if (!SCOPE_NAME_PATTERN.test(name)) {
    return 'a lowercase letter, then up to 63 of a–z, 0–9, "_", ".", ":" and "-".';
  }
  if (isApiScope(name)) return `"${name}" is one of Tessera's own scopes.`;
  return undefined;
}

/**
 * The scopes a token may use now: its own scopes that the catalog still holds (Tessera's own always
 * hold) and whose lowest role its owner's current role still reaches. `catalog` holds the lowest role of
 * each upstream scope the token carries that the catalog still has.
 */
export function effectiveScopes(
  scopes: readonly string[],
  role: Role,
  catalog: ReadonlyMap<string, Role>,
): string[] {
  return scopes.filter((scope) => {
    if (isApiScope(scope)) return true;
    const minimum = catalog.get(scope);
    return minimum !== undefined && roleAtLeast(role, minimum);
  });
}

/**
 * Whether a token with these (effective) scopes may call Tessera's own route at `path` (normalized; undefined
 * for a path that does not normalize) with `method`; the route's own role rules apply after this.
 */
export function apiScopeAllows(scopes: readonly string[], method: string, path: string | undefined): boolean {
  if (scopes.includes('api')) return true;
  if (path === undefined) return false;
  if (scopes.includes('scim') && isPathWithin(path, SCIM_PREFIX)) return true;
  return scopes.includes('read_api') && (method === 'GET' || method === 'HEAD') && isPathWithin(path, '/api');
}

/** The scope to name in a refusal of Tessera's own route at `path`. */
export function apiScopeNeeded(method: string, path: string | undefined): ApiScope {
  if (path !== undefined && isPathWithin(path, SCIM_PREFIX)) return 'scim';
  return method === 'GET' || method === 'HEAD' ? 'read_api' : 'api';
}

/** The required scopes a token lacks, in the order asked. */
export function missingScopes(scopes: readonly string[], required: readonly string[]): string[] {
  return required.filter((scope) => !scopes.includes(scope));
}
