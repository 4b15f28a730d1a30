// Vitest global setup for the PGlite project: creating an embedded database runs initdb, 4–5 s of CPU on
// the 2-core CI machine, and every integration test file needs one. So the migrations run once, here, on
// a new database (which is also the test that they run from nothing), its files are written to one
// tarball, and each test file starts its own in-memory database from that (test/support/database.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/platform/database.ts';
import { migrateToLatest } from '../../src/platform/migrate.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The tarball of a migrated embedded database. */
    pgliteSnapshot: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const handle = await openDatabase({ dataDir: 'memory://' });
  await migrateToLatest(handle.db);
  const files = await handle.dumpDataDir!();
  await handle.close();
  const dir = mkdtempSync(join(tmpdir(), 'tessera-pglite-'));
  const path = join(dir, 'migrated.tar');
  writeFileSync(path, Buffer.from(await files.arrayBuffer()));
  project.provide('pgliteSnapshot', path);
  return () => rmSync(dir, { recursive: true, force: true });
}
