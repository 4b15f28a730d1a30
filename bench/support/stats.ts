/** The q-th quantile (0–1) by nearest rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const round = (value: number, digits = 1) => Number(value.toFixed(digits));

export function line(text = ''): void {
  process.stdout.write(`${text}\n`);
}

export function verdict(ok: boolean): string {
  return ok ? 'meets the goal' : 'MISSES the goal';
}
