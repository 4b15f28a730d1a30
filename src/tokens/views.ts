import { isoOrNull, isoTime } from '../core/iso-time.ts';
import type { AccountKind, TokenKind } from '../core/token-kind.ts';
import { type TokenStatus, tokenStatus } from '../core/token-status.ts';
import type { LastUse, TokenWithOwner } from './queries.ts';

/** What every API response and the console call an account when it owns a token. */
export interface OwnerView {
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

export interface TokenView {
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
  /** As stored: the effective ones (what the owner's role and the catalog still allow) are per request. */
  scopes: string[];
  /** The token that replaced this one by rotation; `revoked_at` is when this one stops (or stopped). */
  replaced_by: TokenRef | null;
  /** The token this one replaced by rotation. */
  replaces: TokenRef | null;
  /** The client networks (CIDR) the token may be used from; null: anywhere. */
  allowed_networks: string[] | null;
  /** For a token a CI job earned by trading its OIDC token: the trust policy and the claims; else null. */
  federation: { trust_policy_id: string | null; claims: Record<string, unknown> } | null;
  owner: OwnerView;
}

/** What changes in a token's view while its row stays the same: the status (with the clock) and the last use. */
export type TokenUse = Pick<TokenView, 'status' | 'last_used_at' | 'last_used_ip' | 'last_used_user_agent'>;

/** The status now, and the newest use: one this node has seen but not yet written (`pending`) wins over the row's. */
export function tokenUse(
  row: Pick<
    TokenWithOwner,
    'id' | 'expires_at' | 'revoked_at' | 'last_used_at' | 'last_used_ip' | 'last_used_user_agent'
  >,
  now: Date,
  pending: LastUse | undefined,
): TokenUse {
  const usePending = pending && (row.last_used_at === null || pending.at > row.last_used_at.getTime());
  return {
    status: tokenStatus(row, now),
    last_used_at: usePending ? isoTime(pending.at) : isoOrNull(row.last_used_at),
    last_used_ip: usePending ? pending.ip : row.last_used_ip,
    last_used_user_agent: usePending ? pending.userAgent : row.last_used_user_agent,
  };
}

/** A token as the API shows it, with a last use this node has seen but not yet written (`pending`). */
export function tokenView(row: TokenWithOwner, now: Date, pending: LastUse | undefined): TokenView {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    description: row.description,
    created_at: isoTime(row.created_at),
    expires_at: isoOrNull(row.expires_at),
    revoked_at: isoOrNull(row.revoked_at),
    revoked_reason: row.revoked_reason,
    ...tokenUse(row, now, pending),
    hint: row.hint,
    scopes: row.scopes,
    replaced_by: refOf(row.replaced_by_id, row.replaced_by_name),
    replaces: refOf(row.replaces_id, row.replaces_name),
    allowed_networks: row.allowed_networks,
    federation:
      row.federated_claims === null
        ? null
        : { trust_policy_id: row.trust_policy_id, claims: row.federated_claims },
    owner: {
      id: row.owner_id,
      kind: row.owner_kind,
      name: row.owner_name,
      email: row.owner_email,
      internal_id: row.owner_internal_id,
      avatar_url: row.owner_avatar_url,
    },
  };
}

const refOf = (id: string | null, name: string | null): TokenRef | null =>
  id === null || name === null ? null : { id, name };
