import { describe, expect, it } from 'vitest';
import { DatabaseOutage } from '../../src/platform/outage.ts';

describe('DatabaseOutage', () => {
  it('logs an outage once as it starts and once as it ends, however many requests fail', () => {
    let now = 1000;
    const outage = new DatabaseOutage(() => now);
    const lines: [Record<string, unknown>, string][] = [];
    const logger = {
      warn: (object: Record<string, unknown>, message: string) => lines.push([object, message]),
    };
    outage.answered();
    expect(lines).toEqual([]);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    for (let i = 0; i < 100; i++) outage.failed(refused, logger);
    expect(outage.down).toBe(true);
    expect(lines).toHaveLength(1);
    expect(lines[0]![0]).toEqual({
      err: { type: 'Error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' },
    });
    now += 2500;
    outage.answered();
    outage.answered();
    expect(outage.down).toBe(false);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toEqual([{ down_ms: 2500, failed_requests: 100 }, 'database available again']);
    // The next outage is news again.
    outage.failed(refused, logger);
    expect(lines).toHaveLength(3);
  });
});
