// The server the console tests run against: Tessera on a fresh, temporary embedded database with the
// demo workspace, the known admin password the tests sign in with, and the console built when its
// sources changed (scripts/start.ts). The data directory is removed when the server stops.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { E2E_ADMIN_EMAIL, E2E_PASSWORD, E2E_PORT } from './env.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'tessera-e2e-'));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));

Object.assign(process.env, {
  HOST: '127.0.0.1',
  PORT: String(E2E_PORT),
  TESSERA_DATA_DIR: dataDir,
  TESSERA_DEMO: '1',
  TESSERA_ADMIN_EMAIL: E2E_ADMIN_EMAIL,
  TESSERA_ADMIN_PASSWORD: E2E_PASSWORD,
  TESSERA_LOG_LEVEL: process.env.TESSERA_LOG_LEVEL ?? 'warn',
  // The "console shows a use within 2 seconds" path at its real speed.
  TESSERA_LAST_USED_FLUSH_MS: '250',
});

await import('../scripts/start.ts');
