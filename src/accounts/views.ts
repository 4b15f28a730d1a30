import { isoOrNull, isoTime } from '../core/iso-time.ts';
import type { Role } from '../core/roles.ts';
import type { SignInMethod } from '../core/sign-in-methods.ts';
import type { TeamRef } from '../platform/caller.ts';
import type { OwnerView } from '../tokens/index.ts';
import type { AccountWithTeams } from './queries.ts';

export interface AccountView extends OwnerView {
  role: Role;
  teams: TeamRef[];
  status: 'active' | 'deactivated';
  created_at: string;
  last_active_at: string | null;
  deactivated_at: string | null;
  active_token_count: number;
  /** The identity provider's ID for the person (SCIM `externalId`). */
  external_id: string | null;
  /** When SCIM last created or changed the account; null: never. Its name, email and state are the provider's. */
  scim_updated_at: string | null;
  /** How the person can sign in: a password, single sign-on, or both; empty for service users. */
  sign_in_methods: SignInMethod[];
}

export function accountView(row: AccountWithTeams, activeTokenCount: number): AccountView {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    email: row.email,
    internal_id: row.internal_id,
    avatar_url: row.avatar_url,
    role: row.role,
    teams: row.teams,
    status: row.deactivated_at ? 'deactivated' : 'active',
    created_at: isoTime(row.created_at),
    last_active_at: isoOrNull(row.last_active_at),
    deactivated_at: isoOrNull(row.deactivated_at),
    active_token_count: activeTokenCount,
    external_id: row.external_id,
    scim_updated_at: isoOrNull(row.scim_updated_at),
    sign_in_methods: [
      ...(row.kind === 'human' && row.has_password ? (['password'] as const) : []),
      ...(row.has_sso ? (['sso'] as const) : []),
    ],
  };
}
