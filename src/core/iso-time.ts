/**
 * `Date#toISOString`, for the timestamps a busy server prints over and over: V8 formats each one with
 * `snprintf`, about a microsecond, and `GET /api/me` prints the time of the very request. The text up to
 * the second is kept from the last call, so times within the same second only format the milliseconds.
 */
let lastSecond = Number.NaN;
let lastPrefix = '';

/** 9999-12-31T23:59:59.999Z: past it, and before 1970, the year is not four plain digits to reuse. */
const LAST_FOUR_DIGIT_YEAR_MS = 253402300799999;

/** A time as a `Date`, or as milliseconds since the epoch (how a pending last use holds it). */
export function isoTime(time: Date | number): string {
  const ms = typeof time === 'number' ? time : time.getTime();
  // NaN fails this too, and toISOString throws its RangeError as before.
  if (!(ms >= 0 && ms <= LAST_FOUR_DIGIT_YEAR_MS)) return new Date(ms).toISOString();
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastPrefix = new Date(ms).toISOString().slice(0, 20); // "YYYY-MM-DDTHH:MM:SS."
    lastSecond = second;
  }
  const milli = ms - second * 1000;
  return `${lastPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

/** Timestamps leave the server as ISO 8601 in UTC; the console renders them in the viewer's zone. */
export function isoOrNull(time: Date | null): string | null {
  return time === null ? null : isoTime(time);
}
