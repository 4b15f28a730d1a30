import type { Principal } from '../platform/caller.ts';

/** An account as authentication reads it: what a principal shows of it, and whether it is deactivated. */
export type PrincipalAccountRow = Principal['account'] & { deactivated_at: Date | null };

/** The columns of `accounts as a` that make a PrincipalAccountRow (its teams come from `teamsOf`). */
export const PRINCIPAL_ACCOUNT_COLUMNS = [
  'a.id',
  'a.kind',
  'a.role',
  'a.name',
  'a.email',
  'a.internal_id',
  'a.avatar_url',
  'a.deactivated_at',
] as const;

export function principalFromAccount(
  account: PrincipalAccountRow,
  via: Principal['via'],
  extra: Pick<Principal, 'token' | 'session'>,
): Principal {
  const { deactivated_at: _, ...rest } = account;
  return { account: rest, via, ...extra };
}
