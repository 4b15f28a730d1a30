import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Scheduler } from '../../src/platform/scheduler.ts';

describe('Scheduler', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs nothing until started, then each job at its own interval', async () => {
    const runs: string[] = [];
    const scheduler = new Scheduler(() => {});
    scheduler.every('fast', 100, async () => runs.push('fast'));
    scheduler.every('slow', 250, async () => runs.push('slow'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toEqual([]);
    scheduler.start();
    await vi.advanceTimersByTimeAsync(500);
    expect(runs.filter((r) => r === 'fast')).toHaveLength(5);
    expect(runs.filter((r) => r === 'slow')).toHaveLength(2);
    await scheduler.stop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toHaveLength(7);
  });

  it('skips a turn while the previous run is still going, and stop waits for it', async () => {
    let finish: () => void = () => {};
    let started = 0;
    let finished = 0;
    const scheduler = new Scheduler(() => {});
    scheduler.every('long', 100, async () => {
      started++;
      await new Promise<void>((resolve) => {
        finish = resolve;
      });
      finished++;
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(550);
    expect(started).toBe(1);
    const stopped = scheduler.stop();
    let done = false;
    void stopped.then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(false);
    finish();
    await stopped;
    expect(finished).toBe(1);
  });

  it('hands a failure to onError with the job name, and runs the job again at its next turn', async () => {
    const errors: [unknown, string][] = [];
    let runs = 0;
    const scheduler = new Scheduler((error, job) => errors.push([error, job]));
    scheduler.every('flaky', 100, async () => {
      runs++;
      if (runs === 1) throw new Error('database away');
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(300);
    expect(runs).toBe(3);
    expect(errors).toEqual([[new Error('database away'), 'flaky']]);
    await scheduler.stop();
  });
});
