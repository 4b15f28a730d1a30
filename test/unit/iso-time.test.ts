import { describe, expect, it } from 'vitest';
import { isoTime } from '../../src/core/iso-time.ts';

describe('isoTime', () => {
  it('is toISOString for runs within a second, across seconds, and at the edges', () => {
    const start = Date.UTC(2026, 10, 23, 23, 59, 59, 990);
    const times: number[] = [];
    for (let ms = start - 20; ms < start + 1_030; ms += 3) times.push(ms); // crosses a second, a day, a month
    times.push(0, 1, 999, 1000, 253402300799999, Date.UTC(2000, 1, 29, 12, 0, 0, 7));
    for (let i = 0; i < 2_000; i++) times.push(Math.floor(Math.random() * 253402300800000));
    for (const ms of times) {
      expect(isoTime(new Date(ms))).toBe(new Date(ms).toISOString());
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('leaves years outside 1970–9999 to toISOString, and throws as it does for an invalid date', () => {
    for (const ms of [-1, -62198755200000, 253402300800000, 8.64e15]) {
      expect(isoTime(new Date(ms))).toBe(new Date(ms).toISOString());
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
    expect(() => isoTime(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
  });
});
