export const TOKEN_STATUSES = ['active', 'revoked', 'expired'] as const;
export type TokenStatus = (typeof TOKEN_STATUSES)[number];

export interface TokenTimes {
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
}

/** Runs on every authenticated request: no Date is made for a Date. */
const timeOf = (time: Date | string) => (typeof time === 'string' ? Date.parse(time) : time.getTime());

/**
 * Derived from timestamps, never stored: expiry wins over revocation, so a revoked token also expires.
 * A `revoked_at` still ahead is a scheduled revocation (the end of a rotation's grace period): the token is
 * active until that instant and revoked from it on.
 */
export function tokenStatus(token: TokenTimes, now: Date): TokenStatus {
  const at = now.getTime();
  const expires = token.expires_at;
  if (expires !== null && timeOf(expires) <= at) return 'expired';
  const revoked = token.revoked_at;
  if (revoked !== null && timeOf(revoked) <= at) return 'revoked';
  return 'active';
}

/** An active token whose revocation is already written for later: it is being rotated. */
export function isBeingReplaced(token: TokenTimes, now: Date): boolean {
  return token.revoked_at !== null && tokenStatus(token, now) === 'active';
}

export const TOKEN_ACTIONS = ['revoke', 'restore', 'delete'] as const;
export type TokenAction = (typeof TOKEN_ACTIONS)[number];

const ALLOWED_FROM: Record<TokenAction, readonly TokenStatus[]> = {
  revoke: ['active'],
  restore: ['revoked'],
  delete: ['revoked', 'expired'],
};

export function isActionAllowed(action: TokenAction, status: TokenStatus): boolean {
  return ALLOWED_FROM[action].includes(status);
}

export function allowedActions(status: TokenStatus): TokenAction[] {
  return TOKEN_ACTIONS.filter((action) => isActionAllowed(action, status));
}
