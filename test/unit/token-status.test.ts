import { describe, expect, it } from 'vitest';
import { allowedActions, isActionAllowed, tokenStatus } from '../../src/core/token-status.ts';

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
  ] as const)('%o is %s', (times, status) => {
    expect(tokenStatus(times, now)).toBe(status);
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
