// The API's objects as the client reads them: the fields it shows. The server's zod schemas are the
// reference (GET /api/openapi.json); the client stays on src/core and Node, so it restates what it uses.
import type { Role } from '../../core/roles.ts';
import type { AccountKind, TokenKind } from '../../core/token-kind.ts';
import type { TokenStatus } from '../../core/token-status.ts';

export interface Owner {
  id: string;
  kind: AccountKind;
  name: string | null;
  email: string | null;
  internal_id: string | null;
}

export interface Token {
  id: string;
  kind: TokenKind;
  name: string;
  status: TokenStatus;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  revoked_reason: string | null;
  last_used_at: string | null;
  hint: string;
  scopes: string[];
  owner: Owner;
}

export interface GeneratedToken {
  token: Token;
  secret: string;
}

export interface Account extends Owner {
  role: Role;
  status: 'active' | 'deactivated';
  last_active_at: string | null;
  active_token_count: number;
}

export interface Me {
  account: Owner & { role: Role };
  via: 'session' | 'token';
  token: Token | null;
}
