import { type Role, roleAtLeast } from '../core/roles.ts';
import type { AccountKind, TokenKind } from '../core/token-kind.ts';
import { forbidden } from './errors.ts';

export interface TeamRef {
  id: string;
  name: string;
}

/** Who is calling, as of this request: the account's current role and teams, and how they proved it. */
export interface Principal {
  account: {
    id: string;
    kind: AccountKind;
    role: Role;
    teams: TeamRef[];
    name: string | null;
    email: string | null;
    internal_id: string | null;
    avatar_url: string | null;
  };
  via: 'session' | 'token';
  token: {
    id: string;
    kind: TokenKind;
    name: string;
    /** Effective scopes: those the owner's role and the catalog still allow (src/core/scopes.ts). */
    scopes: readonly string[];
    created_at: Date;
    expires_at: Date | null;
  } | null;
  session: { idHash: string; csrfToken: string } | null;
}

/** The principal plus where the request came from, for the audit log and last-used. */
export interface Caller {
  principal: Principal;
  ip: string;
  userAgent: string | null;
}

export function requireRole(caller: Caller, minimum: Role): void {
  if (!roleAtLeast(caller.principal.account.role, minimum)) {
    throw forbidden(`This needs the ${minimum} role.`);
  }
}

export function isAdmin(caller: Caller): boolean {
  return caller.principal.account.role === 'admin';
}

/** A token with the `scim` scope: an identity provider's credential, which may provision whatever its owner's role. */
export function isScimToken(caller: Caller): boolean {
  return caller.principal.token?.scopes.includes('scim') === true;
}

/** SCIM provisioning (people and teams from an identity provider): a token with the scope `scim` or an Admin. */
export function requireProvisioner(caller: Caller): void {
  if (!isScimToken(caller)) requireRole(caller, 'admin');
}

/**
 * An account's stable handle, as the audit log and error messages name it: the internal ID of a service
 * user, the email of a person. The console's `displayName` (core/names.ts) prefers the name instead.
 */
export function accountHandle(account: {
  email: string | null;
  internal_id: string | null;
  name: string | null;
}) {
  return account.internal_id ?? account.email ?? account.name ?? 'unknown';
}
