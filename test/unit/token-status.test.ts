import { describe, expect, it } from 'vitest';
import {
  allowedActions,
  isActionAllowed,
  isBeingReplaced,
  tokenStatus,
} from '../../src/core/token-status.ts';

const now = new Date('2026-11-22T12:00:00Z');
const past = new Date('2026-11-01T00:00:00Z');
const future = new Date('2027-01-01T00:00:00Z');

describe('token status, derived from timestamps', () => {
  it.each([
    [{ expires_at: null, revoked_at: null }, 'active'],
    [{ expires_at: future, revoked_at: null }, 'active'],
    [{ expires_at: null, revoked_at: past }, 'revoked'],
    [{ expires_at: future, revoked_at: past }, 'revoked'],
    [{ expires_at: past, revoked_at: null }, 'expired'],
    // Expired whether or not it was revoked first.
    [{ expires_at: past, revoked_at: past }, 'expired'],
    // The expiry instant itself is expired.
    [{ expires_at: now, revoked_at: null }, 'expired'],
    // A scheduled revocation (a rotation's grace period): active until that instant, revoked from it on.
    [{ expires_at: future, revoked_at: new Date(now.getTime() + 1) }, 'active'],
    [{ expires_at: future, revoked_at: now }, 'revoked'],
    [{ expires_at: null, revoked_at: new Date(now.getTime() - 1) }, 'revoked'],
    // Expiry before the end of the grace period still wins.
    [{ expires_at: now, revoked_at: future }, 'expired'],
  ] as const)('%o is %s', (times, status) => {
    expect(tokenStatus(times, now)).toBe(status);
  });

  it('an active token with a revocation ahead is being replaced; a revoked one no longer', () => {
    expect(isBeingReplaced({ expires_at: null, revoked_at: future }, now)).toBe(true);
    expect(isBeingReplaced({ expires_at: null, revoked_at: past }, now)).toBe(false);
    expect(isBeingReplaced({ expires_at: null, revoked_at: null }, now)).toBe(false);
  });

  it('reads ISO strings as well as dates', () => {
    expect(tokenStatus({ expires_at: past.toISOString(), revoked_at: null }, now)).toBe('expired');
  });

  it('allows revoke from active, restore from revoked, delete from revoked or expired', () => {
    expect(allowedActions('active')).toEqual(['revoke']);
    expect(allowedActions('revoked')).toEqual(['restore', 'delete']);
    expect(allowedActions('expired')).toEqual(['delete']);
    expect(isActionAllowed('delete', 'active')).toBe(false);
    expect(isActionAllowed('restore', 'expired')).toBe(false);
  });
});
