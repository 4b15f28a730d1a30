const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The most whole days said in days: the longest month has 31, so 31 days are always a month. */
const MAX_DAYS = 30;

export type RelativeUnit = 'minute' | 'hour' | 'day' | 'month' | 'year';
export interface Elapsed {
  value: number;
  unit: RelativeUnit;
}

/**
 * The distance between two instants in the largest whole unit, rounded down; `null` under a minute.
 * Up to 30 whole days it is days, so a token with 30 days left reads "in 30 days" whatever the month
 * (November's 30 days are a whole calendar month, and would read "in 1 month" otherwise). From 31 days
 * (always at least one month) months and years are calendar months counted in UTC (Jan 31 + 1 month =
 * the last day of February), so a 90-day token reads "in 2 months", not "in 3".
 */
export function elapsedBetween(a: Date, b: Date): Elapsed | null {
  const [earlier, later] = a.getTime() <= b.getTime() ? [a, b] : [b, a];
  const ms = later.getTime() - earlier.getTime();
  if (ms < MINUTE) return null;
  if (ms < HOUR) return { value: Math.floor(ms / MINUTE), unit: 'minute' };
  if (ms < DAY) return { value: Math.floor(ms / HOUR), unit: 'hour' };
  const days = Math.floor(ms / DAY);
  if (days <= MAX_DAYS) return { value: days, unit: 'day' };
  const months = wholeMonthsBetween(earlier, later);
  if (months < 12) return { value: months, unit: 'month' };
  return { value: Math.floor(months / 12), unit: 'year' };
}

function addMonthsUtc(date: Date, months: number): Date {
  const target = new Date(date.getTime());
  const day = target.getUTCDate();
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target;
}

function wholeMonthsBetween(earlier: Date, later: Date): number {
  let months =
    (later.getUTCFullYear() - earlier.getUTCFullYear()) * 12 + (later.getUTCMonth() - earlier.getUTCMonth());
  while (months > 0 && addMonthsUtc(earlier, months).getTime() > later.getTime()) months--;
  return months;
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'always' });

/** "3 days ago", "1 month ago", "less than a minute ago". */
export function timeAgo(date: Date, now: Date): string {
  const elapsed = elapsedBetween(date, now);
  return elapsed ? relative.format(-elapsed.value, elapsed.unit) : 'less than a minute ago';
}

/** "in 2 months", "in 1 day", "in less than a minute". */
export function timeUntil(date: Date, now: Date): string {
  const elapsed = elapsedBetween(now, date);
  return elapsed ? relative.format(elapsed.value, elapsed.unit) : 'in less than a minute';
}

function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

/** The line under a token's name: "Expires in 2 months", "Never", "Expired 3 months ago". */
export function expirationPhrase(expiresAt: Date | string | null, now: Date): string {
  if (expiresAt === null) return 'Never';
  const at = toDate(expiresAt);
  return at.getTime() > now.getTime() ? `Expires ${timeUntil(at, now)}` : `Expired ${timeAgo(at, now)}`;
}

/** "Last used 1 day ago" or "Not used yet". */
export function lastUsedPhrase(lastUsedAt: Date | string | null, now: Date): string {
  return lastUsedAt === null ? 'Not used yet' : `Last used ${timeAgo(toDate(lastUsedAt), now)}`;
}

/** An exact date and time in the viewer's time zone (or the one given), with the zone's name. */
export function exactTime(value: Date | string, timeZone?: string): string {
  return new Intl.DateTimeFormat('en-US', {
    dateStyle: 'long',
    timeStyle: 'long',
    ...(timeZone ? { timeZone } : {}),
  }).format(toDate(value));
}
