import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirInUseError } from '../../src/platform/data-dir-lock.ts';

// Two processes on one directory are tested with real servers in server-process.test.ts; the lock also
// holds between two openings in one process (SQLite tracks its own locks per file).

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the data directory lock', () => {
  it('refuses a second holder until the first releases it, whatever PID file lies around', () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-lock-'));
    writeFileSync(join(dir, 'tessera.lock'), String(process.pid));
    const release = acquireDataDirLock(dir);
    expect(() => acquireDataDirLock(dir)).toThrow(DataDirInUseError);
    release();
    const again = acquireDataDirLock(dir);
    again();
  });
});
