type Labels = Record<string, string>;

/** One label set of a counter, resolved once: what the hot paths increment. */
export interface CounterHandle {
  inc(by?: number): void;
}

class Counter {
  readonly name: string;
  readonly help: string;
  readonly #values = new Map<string, { labels: Labels; value: number }>();

  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }

  inc(labels: Labels = {}, by = 1): void {
    const key = JSON.stringify(labels);
    const entry = this.#values.get(key);
    if (entry) entry.value += by;
    else this.#values.set(key, { labels, value: by });
  }

  /** A handle on one label set, so a hot path does not build the label key on every increment. */
  handle(labels: Labels): CounterHandle {
    const key = JSON.stringify(labels);
    let entry: { labels: Labels; value: number } | undefined;
    return {
      inc: (by = 1) => {
        entry ??= this.#values.get(key);
        if (entry) entry.value += by;
        else {
          entry = { labels, value: by };
          this.#values.set(key, entry);
        }
      },
    };
  }

  get(labels: Labels = {}): number {
    return this.#values.get(JSON.stringify(labels))?.value ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.#values.size === 0) lines.push(`${this.name} 0`);
    for (const { labels, value } of this.#values.values())
      lines.push(`${this.name}${formatLabels(labels)} ${value}`);
    return lines.join('\n');
  }
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  const escapeValue = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `{${entries.map(([k, v]) => `${k}="${escapeValue(v)}"`).join(',')}}`;
}

/** One label set of a histogram, resolved once. */
export interface HistogramHandle {
  observe(seconds: number): void;
}

interface Series {
  labels: Labels;
  /** Observations per bucket, not cumulative: `observe` touches one slot; `render` sums. */
  counts: number[];
  sum: number;
  count: number;
}

/**
 * Request latencies from a few microseconds (a cached token answered without a promise) to seconds (a
 * database that is struggling): the low buckets tell a cache hit from a query.
 */
export const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export class Histogram {
  readonly name: string;
  readonly help: string;
  readonly buckets: readonly number[];
  readonly #series = new Map<string, Series>();

  constructor(name: string, help: string, buckets: readonly number[] = LATENCY_BUCKETS) {
    this.name = name;
    this.help = help;
    this.buckets = buckets;
  }

  observe(labels: Labels, seconds: number): void {
    this.handle(labels).observe(seconds);
  }

  /** A handle on one label set: the hot path's observation is a bucket search and three additions. */
  handle(labels: Labels): HistogramHandle {
    const key = JSON.stringify(labels);
    let series = this.#series.get(key);
    if (!series) {
      series = { labels, counts: new Array(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
      this.#series.set(key, series);
    }
    const found = series;
    const buckets = this.buckets;
    return {
      observe: (seconds) => {
        let i = 0;
        while (i < buckets.length && seconds > buckets[i]!) i++;
        found.counts[i]!++;
        found.sum += seconds;
        found.count++;
      },
    };
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, counts, sum, count } of this.#series.values()) {
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += counts[i]!;
        lines.push(`${this.name}_bucket${formatLabels({ ...labels, le: String(bound) })} ${cumulative}`);
      });
      lines.push(`${this.name}_bucket${formatLabels({ ...labels, le: '+Inf' })} ${count}`);
      lines.push(`${this.name}_sum${formatLabels(labels)} ${sum}`);
      lines.push(`${this.name}_count${formatLabels(labels)} ${count}`);
    }
    return lines.join('\n');
  }
}

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'];

/** The process's Prometheus metrics, rendered in the text exposition format. */
export class Metrics {
  readonly authentications = new Counter(
    'tessera_authentications_total',
    'Token and session authentications by result (success or the failure code).',
  );
  readonly lastUsedFlushes = new Counter(
    'tessera_last_used_flushes_total',
    'Batched last-used writes to the database.',
  );
  readonly lastUsedFlushedTokens = new Counter(
    'tessera_last_used_flushed_tokens_total',
    'Token rows updated by last-used flushes.',
  );
  readonly authCache = new Counter(
    'tessera_auth_cache_total',
    'Token verifications by what the cache said: hit, unknown_hit (remembered as unknown) or miss.',
  );
  readonly authCacheRefreshed = new Counter(
    'tessera_auth_cache_refreshed_total',
    'Cached verifications read again in the background before their TTL ran out.',
  );
  readonly signIns = new Counter('tessera_sign_ins_total', 'Console sign-ins by result.');
  readonly rateLimited = new Counter(
    'tessera_rate_limited_total',
    'Requests refused with 429, by what was limited.',
  );
  readonly requestDuration = new Histogram(
    'tessera_http_request_duration_seconds',
    'Time from routing a request to the end of its answer, by route, method and status class.',
  );
  readonly lastUsedFlushDuration = new Histogram(
    'tessera_last_used_flush_duration_seconds',
    'How long each batched last-used write took.',
  );
  readonly databaseQueryDuration = new Histogram(
    'tessera_db_query_duration_seconds',
    'Database statements, by outcome (ok or error).',
  );
  readonly jobRuns = new Counter(
    'tessera_job_runs_total',
    'Background job runs, by job name and result (success or failure).',
  );
  readonly jobDuration = new Histogram(
    'tessera_job_duration_seconds',
    'How long each background job run took, by job name.',
  );
  readonly #gauges: { name: string; help: string; read: () => number }[] = [];
  readonly #labelledGauges: { name: string; help: string; read: () => [Labels, number][] }[] = [];
  /** Per route and method: one handle per status class, so a request costs one map lookup. */
  readonly #requestHandles = new Map<string, (HistogramHandle | undefined)[]>();

  gauge(name: string, help: string, read: () => number): void {
    this.#gauges.push({ name, help, read });
  }

  /** A gauge with several label sets, read at each scrape (the database pool's connections by state). */
  labelledGauge(name: string, help: string, read: () => [Labels, number][]): void {
    this.#labelledGauges.push({ name, help, read });
  }

  /** One answered request; `route` is the route's pattern (never the raw URL, whose values are unbounded). */
  observeRequest(method: string, route: string, statusCode: number, seconds: number): void {
    const key = `${method} ${route}`;
    let handles = this.#requestHandles.get(key);
    if (!handles) {
      handles = [];
      this.#requestHandles.set(key, handles);
    }
    const index = Math.min(Math.max(Math.floor(statusCode / 100), 1), 5) - 1;
    let handle = handles[index];
    if (!handle) {
      handle = this.requestDuration.handle({ route, method, status_class: STATUS_CLASSES[index]! });
      handles[index] = handle;
    }
    handle.observe(seconds);
  }

  /** Runs `run`, counting it in `tessera_job_runs_total` and timing it. */
  async timeJob(job: string, run: () => Promise<unknown>): Promise<void> {
    const started = performance.now();
    let result = 'failure';
    try {
      await run();
      result = 'success';
    } finally {
      // `name`, not `job`: Prometheus gives every series a `job` label of its own (the scrape job).
      this.jobRuns.inc({ name: job, result });
      this.jobDuration.observe({ name: job }, (performance.now() - started) / 1000);
    }
  }

  render(): string {
    const counters = [
      this.authentications,
      this.authCache,
      this.authCacheRefreshed,
      this.lastUsedFlushes,
      this.lastUsedFlushedTokens,
      this.signIns,
      this.rateLimited,
      this.jobRuns,
    ];
    const histograms = [
      this.requestDuration,
      this.databaseQueryDuration,
      this.lastUsedFlushDuration,
      this.jobDuration,
    ];
    const memory = process.memoryUsage();
    const gauges = [
      {
        name: 'process_resident_memory_bytes',
        help: 'Resident memory size in bytes.',
        read: () => memory.rss,
      },
      {
        name: 'process_uptime_seconds',
        help: 'Seconds since the process started.',
        read: () => process.uptime(),
      },
      ...this.#gauges,
    ];
    return `${[
      ...counters.map((c) => c.render()),
      ...histograms.map((h) => h.render()),
      ...gauges.map((g) => `# HELP ${g.name} ${g.help}\n# TYPE ${g.name} gauge\n${g.name} ${g.read()}`),
      ...this.#labelledGauges.map((g) =>
        [
          `# HELP ${g.name} ${g.help}`,
          `# TYPE ${g.name} gauge`,
          ...g.read().map(([labels, value]) => `${g.name}${formatLabels(labels)} ${value}`),
        ].join('\n'),
      ),
    ].join('\n')}\n`;
  }
}
