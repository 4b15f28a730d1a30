import { ROLES, type Role } from '../core/roles.ts';
import type { GroupMapping } from './settings.ts';

/** What the mapping makes of one person's groups; team names as the mapping spells them. */
export interface MappedGrants {
  /** Undefined when no entry of the mapping names a role: then the role is the console's to set. */
  role: Role | undefined;
  /** Every team the mapping names: a person not given one of these by their groups is taken out of it. */
  managedTeams: string[];
  /** The teams their groups give. */
  givenTeams: string[];
}

/**
 * The groups in a claim: a list of names (or one name). The claim is looked up by its whole name first
 * (`https://example.com/groups` is one name), then as a dotted path (`realm_access.roles`).
 */
export function groupsIn(claims: Record<string, unknown>, claim: string): string[] {
  const value = claimValue(claims, claim);
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** A claim by its whole name, or else as a dotted path into nested objects. */
export function claimValue(claims: Record<string, unknown>, claim: string): unknown {
  if (claims[claim] !== undefined || !claim.includes('.')) return claims[claim];
  return claim.split('.').reduce<unknown>((at, key) => {
    return at !== null && typeof at === 'object' && !Array.isArray(at)
      ? (at as Record<string, unknown>)[key]
      : undefined;
  }, claims);
}

/**
 * The mapping applied to a person's groups: the highest role any of their groups gives (Member when none
 * does, once the mapping names roles at all), and the teams their groups give.
 */
export function mapGroups(mapping: GroupMapping, groups: readonly string[]): MappedGrants {
  const entries = Object.entries(mapping);
  const mine = entries.filter(([group]) => groups.includes(group)).map(([, grant]) => grant);
  const mapsRoles = entries.some(([, grant]) => grant.role !== undefined);
  const rank = (role: Role) => ROLES.indexOf(role);
  const role = mine.reduce<Role>(
    (best, grant) => (grant.role && rank(grant.role) > rank(best) ? grant.role : best),
    'member',
  );
  return {
    role: mapsRoles ? role : undefined,
    managedTeams: unique(entries.flatMap(([, grant]) => grant.teams ?? [])),
    givenTeams: unique(mine.flatMap((grant) => grant.teams ?? [])),
  };
}

/** Team names are unique ignoring case. */
function unique(names: string[]): string[] {
  const seen = new Map<string, string>();
  for (const name of names) if (!seen.has(name.toLowerCase())) seen.set(name.toLowerCase(), name);
  return [...seen.values()];
}
