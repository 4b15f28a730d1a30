import type { Clock } from '../../src/platform/clock.ts';

/** A clock the test moves by hand, so expiry and relative times are exact. */
export class TestClock implements Clock {
  #now: number;

  constructor(start = new Date('2026-11-22T12:00:00.000Z')) {
    this.#now = start.getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  set(date: Date): void {
    this.#now = date.getTime();
  }

  advance(ms: number): Date {
    this.#now += ms;
    return this.now();
  }
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
