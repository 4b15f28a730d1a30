// The API's JSON, as documented in docs/API.md and served at /api/docs. The console talks to the server
// only over HTTP, so these mirror the domains' schemas.ts files rather than import them.
import type { Role } from '../../core/roles.ts';
import type { SignInMethod } from '../../core/sign-in-methods.ts';
import type { AccountKind, TokenKind } from '../../core/token-kind.ts';
import type { TokenStatus } from '../../core/token-status.ts';

export interface TeamRef {
  id: string;
  name: string;
}

export interface Owner {
  id: string;
  kind: AccountKind;
  name: string | null;
  email: string | null;
  internal_id: string | null;
  avatar_url: string | null;
}

/** The other end of a rotation. */
export interface TokenRef {
  id: string;
  name: string;
}

export interface Token {
  id: string;
  kind: TokenKind;
  name: string;
  description: string | null;
  status: TokenStatus;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  revoked_reason: string | null;
  last_used_at: string | null;
  last_used_ip: string | null;
  last_used_user_agent: string | null;
  hint: string;
  /** `api`, `read_api`, `scim` and upstream scopes from the catalog. */
  scopes: string[];
  /** The token that replaced this one by rotation; it stops at `revoked_at` (ahead while it is active). */
  replaced_by: TokenRef | null;
  /** The token this one replaced by rotation. */
  replaces: TokenRef | null;
  /** The client networks (CIDR) the token may be used from; null: anywhere. */
  allowed_networks: string[] | null;
  /** Set on a token a CI job earned through a trust policy (keyless CI). */
  federation: { trust_policy_id: string | null; claims: Record<string, unknown> } | null;
  owner: Owner;
}

export interface Account extends Owner {
  role: Role;
  teams: TeamRef[];
  status: 'active' | 'deactivated';
  created_at: string;
  last_active_at: string | null;
  deactivated_at: string | null;
  active_token_count: number;
  /** The identity provider's ID for the person (SCIM `externalId`). */
  external_id: string | null;
  /** When SCIM last created or changed the account: its name, email and active state are the provider's. */
  scim_updated_at: string | null;
  sign_in_methods: SignInMethod[];
}

export interface Team {
  id: string;
  name: string;
  builtin: boolean;
  member_count: number;
  created_at: string;
}

export interface AuditEvent {
  id: string;
  at: string;
  action: string;
  actor: { id: string; label: string | null; token_id: string | null } | null;
  target: { type: string; id: string | null; label: string | null } | null;
  ip: string | null;
  user_agent: string | null;
  details: Record<string, unknown>;
}

export interface Me {
  account: Owner & { role: Role; teams: TeamRef[] };
  via: 'session' | 'token';
  token: Token | null;
  csrf_token: string | null;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface GeneratedToken {
  token: Token;
  secret: string;
}

export type SortOrder = 'asc' | 'desc';
