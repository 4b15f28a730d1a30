/** One sample of Prometheus's text format: name, labels, value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a scrape (comments skipped); label values unescaped. */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples of `name` whose labels include `labels`. */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** A histogram's cumulative buckets for one label set, by upper bound, ascending. */
export function bucketsOf(
  samples: Sample[],
  name: string,
  labels: Record<string, string>,
): { le: number; count: number }[] {
  return samples
    .filter((s) => s.name === `${name}_bucket` && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .map((s) => ({ le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), count: s.value }))
    .sort((a, b) => a.le - b.le);
}

/**
 * The bucket a quantile falls in, from the difference of two scrapes' cumulative buckets: the interval
 * (lower, upper] that Prometheus's histogram_quantile interpolates within.
 */
export function quantileBucket(
  before: { le: number; count: number }[],
  after: { le: number; count: number }[],
  q: number,
): { lower: number; upper: number; total: number } {
  const counts = after.map((b) => b.count - (before.find((x) => x.le === b.le)?.count ?? 0));
  const total = counts.at(-1) ?? 0;
  const rank = q * total;
  let lower = 0;
  for (let i = 0; i < after.length; i++) {
    if (counts[i]! >= rank) return { lower, upper: after[i]!.le, total };
    lower = after[i]!.le;
  }
  return { lower, upper: Infinity, total };
}
