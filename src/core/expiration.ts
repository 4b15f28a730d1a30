export const DAY_MS = 24 * 60 * 60 * 1000;
export const MAX_EXPIRATION_DAYS = 365;

/** The presets the console offers; `null` is Never. The API also takes any whole number from 1 to 365. */
export const EXPIRATION_PRESETS: readonly { days: number | null; label: string }[] = [
  { days: 30, label: '30 days' },
  { days: 60, label: '60 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '1 year' },
  { days: null, label: 'Never' },
];

export function expiresAt(createdAt: Date, days: number | null): Date | null {
  return days === null ? null : new Date(createdAt.getTime() + days * DAY_MS);
}
