import { CompiledQuery, type LogEvent } from 'kysely';
import { describe, expect, it } from 'vitest';
import { databaseFailure } from '../../src/platform/database-errors.ts';
import { DatabaseHealth } from '../../src/platform/health.ts';

// Real errors from real databases are in operations.test.ts and database-outage.test.ts; this is the
// table of the rest, which a test cannot easily provoke (a server shutting down, too many connections).

const pgError = (code: string) => Object.assign(new Error('from the server'), { code });

describe('what counts as the database failing', () => {
  it('sorts SQLSTATEs, socket errors and the driver timeouts', () => {
    expect(databaseFailure(pgError('53100'))).toBe('storage_full');
    expect(databaseFailure(new Error('could not write to file "pg_wal/x": No space left on device'))).toBe(
      'storage_full',
    );
    for (const code of [
      '08006',
      '53300',
      '53200',
      '57014',
      '57P01',
      '57P03',
      '58030',
      '25P03',
      'ECONNREFUSED',
    ]) {
      expect(databaseFailure(pgError(code)), code).toBe('unavailable');
    }
    const wrapped = new Error('Connection terminated due to connection timeout', {
      cause: new Error('timeout expired'),
    });
    expect(databaseFailure(wrapped)).toBe('unavailable');
    expect(databaseFailure(new Error('timeout exceeded when trying to connect'))).toBe('unavailable');
    expect(databaseFailure(new Error('Query read timeout'))).toBe('unavailable');
    // The request's fault or a bug: left to the usual handling.
    for (const code of ['23505', '40P01', '22P02', '42P01'])
      expect(databaseFailure(pgError(code)), code).toBe(undefined);
    expect(databaseFailure(new TypeError('x is undefined'))).toBe(undefined);
    expect(databaseFailure(undefined)).toBe(undefined);
  });
});

describe('readiness after a full disk', () => {
  const query = (kind: string) => ({ ...CompiledQuery.raw('x'), query: { kind } }) as CompiledQuery;
  const failed = (error: unknown): LogEvent =>
    ({ level: 'error', error, query: query('InsertQueryNode'), queryDurationMillis: 1 }) as LogEvent;
  const succeeded = (kind: string): LogEvent =>
    ({ level: 'query', query: query(kind), queryDurationMillis: 1 }) as LogEvent;

  it('lasts until a write succeeds, or the hold time ends', () => {
    let now = 0;
    const health = new DatabaseHealth(30_000, () => now);
    health.observe(failed(pgError('23505')));
    expect(health.storageFull).toBe(false);
    health.observe(failed(pgError('53100')));
    expect(health.storageFull).toBe(true);
    health.observe(succeeded('SelectQueryNode'));
    expect(health.storageFull).toBe(true);
    health.observe(succeeded('UpdateQueryNode'));
    expect(health.storageFull).toBe(false);

    health.observe(failed(pgError('53100')));
    now += 29_999;
    expect(health.storageFull).toBe(true);
    now += 1;
    // Taken out of a load balancer, a node would see no write to learn that space was freed.
    expect(health.storageFull).toBe(false);
  });
});
