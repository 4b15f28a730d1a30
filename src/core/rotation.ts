/** The longest grace period of a rotation: 7 days. */
export const MAX_GRACE_PERIOD_MINUTES = 7 * 24 * 60;

/** The grace periods the console offers. The API takes any whole number of minutes from 0 to 10080. */
export const GRACE_PERIOD_PRESETS: readonly { minutes: number; label: string }[] = [
  { minutes: 0, label: 'Immediately' },
  { minutes: 60, label: '1 hour' },
  { minutes: 24 * 60, label: '24 hours' },
  { minutes: MAX_GRACE_PERIOD_MINUTES, label: '7 days' },
];
