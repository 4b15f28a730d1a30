import type { JobLeases } from './job-leases.ts';

/** How often a node asks whether it is its turn to run a job that runs on one node at a time, at most. */
const EXCLUSIVE_CHECK_MS = 60_000;

/** Runs one turn of a job, and may count and time it (`Metrics.timeJob`). */
export type JobTimer = (job: string, run: () => Promise<unknown>) => Promise<unknown>;

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
 *
 * Jobs added with `exclusive` (the inactivity sweep) run on one node of a cluster at a time, once per
 * interval across all of them: each node asks often, and the database (`JobLeases`) says whose turn it is.
 */
export class Scheduler {
  readonly #onError: (error: unknown, job: string) => void;
  readonly #leases: JobLeases | undefined;
  readonly #jobs: Job[] = [];

  readonly #time: JobTimer;

  constructor(
    onError: (error: unknown, job: string) => void,
    leases?: JobLeases,
    time: JobTimer = (_job, run) => run(),
  ) {
    this.#onError = onError;
    this.#leases = leases;
    this.#time = time;
  }

  every(name: string, intervalMs: number, run: () => Promise<unknown>): void {
    this.#jobs.push({ name, intervalMs, run, timer: undefined, running: undefined });
  }

  /** A job for one node at a time, at most once per `intervalMs` across the cluster and restarts. */
  exclusive(name: string, intervalMs: number, run: () => Promise<unknown>): void {
    const leases = this.#leases;
    if (!leases)
      throw new Error(`The job "${name}" runs on one node at a time: give the scheduler JobLeases.`);
    const turn = async () => {
      if (!(await leases.claim(name, intervalMs))) return;
      try {
        await run();
      } finally {
        await leases.release(name);
      }
    };
    this.every(name, Math.min(intervalMs, EXCLUSIVE_CHECK_MS), turn);
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
    job.running = this.#time(job.name, job.run)
      .then(
        () => {},
        (error) => this.#onError(error, job.name),
      )
      .finally(() => {
        job.running = undefined;
      });
  }
}
