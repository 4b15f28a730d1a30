import { describe, expect, it } from 'vitest';
import {
  elapsedBetween,
  exactTime,
  expirationPhrase,
  lastUsedPhrase,
  timeAgo,
  timeUntil,
} from '../../src/core/time-phrases.ts';

const now = new Date('2026-11-22T12:00:00Z');
const at = (ms: number) => new Date(now.getTime() + ms);
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('relative times: whole units, rounded down, singular for one', () => {
  it.each([
    [30 * 1000, 'less than a minute ago'],
    [MIN, '1 minute ago'],
    [59 * MIN + 59_000, '59 minutes ago'],
    [HOUR, '1 hour ago'],
    [23 * HOUR + 59 * MIN, '23 hours ago'],
    [DAY, '1 day ago'],
    [29 * DAY, '29 days ago'],
    [31 * DAY, '1 month ago'],
    [92 * DAY, '3 months ago'],
    [364 * DAY, '11 months ago'],
    [366 * DAY, '1 year ago'],
    [800 * DAY, '2 years ago'],
  ])('%d ms ago reads "%s"', (ms, phrase) => {
    expect(timeAgo(at(-ms), now)).toBe(phrase);
  });

  it('counts calendar months from 31 days, so a 90-day token expires "in 2 months"', () => {
    expect(timeUntil(at(90 * DAY), now)).toBe('in 2 months');
    expect(elapsedBetween(now, at(90 * DAY))).toEqual({ value: 2, unit: 'month' });
    expect(timeUntil(new Date('2026-12-22T11:59:00Z'), now)).toBe('in 29 days');
    // 22 Nov → 22 Dec is a whole calendar month, but 30 days read as days in every month…
    expect(timeUntil(new Date('2026-12-22T12:00:00Z'), now)).toBe('in 30 days');
    expect(timeUntil(new Date('2026-12-23T11:59:00Z'), now)).toBe('in 30 days');
    // …and 31 days are a month in every month.
    expect(timeUntil(new Date('2026-12-23T12:00:00Z'), now)).toBe('in 1 month');
    const february = new Date('2027-02-01T00:00:00Z');
    expect(timeUntil(new Date('2027-03-03T00:00:00Z'), february)).toBe('in 30 days');
    expect(timeUntil(new Date('2027-03-04T00:00:00Z'), february)).toBe('in 1 month');
  });

  it('clamps month ends: 31 January plus one month is the end of February', () => {
    // 31 Jan → 3 Mar is 31 days: one month (31 Jan + 1 month = 28 Feb), not two.
    expect(elapsedBetween(new Date('2027-01-31T00:00:00Z'), new Date('2027-03-03T00:00:00Z'))).toEqual({
      value: 1,
      unit: 'month',
    });
    expect(elapsedBetween(new Date('2027-01-31T00:00:00Z'), new Date('2027-03-31T00:00:00Z'))).toEqual({
      value: 2,
      unit: 'month',
    });
  });

  it('phrases expiry: in the future, never, and in the past', () => {
    expect(expirationPhrase(at(61 * DAY), now)).toBe('Expires in 2 months');
    expect(expirationPhrase(at(3 * DAY), now)).toBe('Expires in 3 days');
    expect(expirationPhrase(null, now)).toBe('Never');
    expect(expirationPhrase(at(-95 * DAY), now)).toBe('Expired 3 months ago');
    expect(expirationPhrase(at(-1 * DAY), now).startsWith('Expired ')).toBe(true);
    expect(expirationPhrase(now.toISOString(), now)).toBe('Expired less than a minute ago');
  });

  it('phrases last use', () => {
    expect(lastUsedPhrase(at(-DAY - HOUR), now)).toBe('Last used 1 day ago');
    expect(lastUsedPhrase(null, now)).toBe('Not used yet');
    expect(lastUsedPhrase(at(-5 * MIN).toISOString(), now)).toBe('Last used 5 minutes ago');
  });

  it('gives the exact time in the zone asked for', () => {
    expect(exactTime(now, 'America/New_York')).toBe('November 22, 2026 at 7:00:00 AM EST');
    expect(exactTime(now, 'Asia/Tokyo')).toBe('November 22, 2026 at 9:00:00 PM GMT+9');
    expect(exactTime(now, 'UTC')).toBe('November 22, 2026 at 12:00:00 PM UTC');
  });
});
