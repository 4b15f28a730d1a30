/** deadlock_detected and serialization_failure: PostgreSQL rolled the transaction back, and it may run again. */
const LOST_RACE_CODES = new Set(['40P01', '40001']);

/** Whether PostgreSQL aborted a transaction because it lost a race with another one. */
export function isLostRace(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  return LOST_RACE_CODES.has((error as { code?: unknown }).code as string);
}

/**
 * Run `transaction` (all of one transaction, so a rerun starts from nothing) again when PostgreSQL aborts
 * it for a deadlock or a serialization failure, after a short random pause so the two sides do not meet
 * again at once. Rethrows the last such error after `attempts` tries; any other error at once.
 */
export async function retryLostRaces<T>(transaction: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      if (attempt >= attempts || !isLostRace(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
    }
  }
}
