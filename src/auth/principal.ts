import type { Principal } from '../platform/caller.ts';

/** An account as authentication reads it: what a principal shows of it, and whether it is deactivated. */
export type PrincipalAccountRow = Principal['account'] & { deactivated_at: Date | null };

export function principalFromAccount(
  account: PrincipalAccountRow,
  via: Principal['via'],
  extra: Pick<Principal, 'token' | 'session'>,
): Principal {
  const { deactivated_at: _, ...rest } = account;
  return { account: rest, via, ...extra };
}
