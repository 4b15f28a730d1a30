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

/** The process's Prometheus counters, rendered in the text exposition format. */
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
  readonly #gauges: { name: string; help: string; read: () => number }[] = [];

  gauge(name: string, help: string, read: () => number): void {
    this.#gauges.push({ name, help, read });
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
      ...gauges.map((g) => `# HELP ${g.name} ${g.help}\n# TYPE ${g.name} gauge\n${g.name} ${g.read()}`),
    ].join('\n')}\n`;
  }
}
