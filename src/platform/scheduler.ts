interface Job {
  name: string;
  intervalMs: number;
  run: () => Promise<unknown>;
  timer: NodeJS.Timeout | undefined;
  /** The run under way, if any: a job never overlaps itself, and `stop` waits for it. */
  running: Promise<void> | undefined;
}

/**
 * The process's background jobs (last-used flush, cache refresh, session purge, …): each runs every
 * `intervalMs` once started, skips a turn while its previous run is still going, and hands a failure to
 * `onError` without stopping. Timers are unref'd: they never keep the process alive.
 */
export class Scheduler {
  readonly #onError: (error: unknown, job: string) => void;
  readonly #jobs: Job[] = [];

  constructor(onError: (error: unknown, job: string) => void) {
    this.#onError = onError;
  }

  every(name: string, intervalMs: number, run: () => Promise<unknown>): void {
    this.#jobs.push({ name, intervalMs, run, timer: undefined, running: undefined });
  }

  start(): void {
    for (const job of this.#jobs) {
      job.timer ??= setInterval(() => this.#turn(job), job.intervalMs);
      job.timer.unref();
    }
  }

  /** Stop every timer, and wait for the runs under way. */
  async stop(): Promise<void> {
    for (const job of this.#jobs) {
      clearInterval(job.timer);
      job.timer = undefined;
    }
    await Promise.all(this.#jobs.map((job) => job.running));
  }

  #turn(job: Job): void {
    if (job.running) return;
    job.running = job
      .run()
      .then(
        () => {},
        (error) => this.#onError(error, job.name),
      )
      .finally(() => {
        job.running = undefined;
      });
  }
}
