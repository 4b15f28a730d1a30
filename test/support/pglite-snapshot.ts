// Vitest global setup for the PGlite project: creating an embedded database runs initdb, about 3 s of CPU
// on the 2-core CI machine, and every integration test file needs one. So the migrations run once, here,
// on a new database (which is also the test that they run from nothing), its files are written to one
// tarball, and each test file starts its own in-memory database from that (test/support/database.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { pgliteExtensions } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import type { Database } from '../../src/db/schema.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The tarball of a migrated embedded database. */
    pgliteSnapshot: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const lite = await PGlite.create('memory://', { extensions: pgliteExtensions });
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new pg.Pool(createPgConfig(lite)) }),
  });
  await migrateToLatest(db);
  await db.destroy();
  const files = await lite.dumpDataDir('none');
  await lite.close();
  const dir = mkdtempSync(join(tmpdir(), 'tessera-pglite-'));
  const path = join(dir, 'migrated.tar');
  writeFileSync(path, Buffer.from(await files.arrayBuffer()));
  project.provide('pgliteSnapshot', path);
  return () => rmSync(dir, { recursive: true, force: true });
}
