import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { App } from '../../src/platform/http/types.ts';
import { createServices } from '../../src/services.ts';
import { TestClock } from '../support/clock.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { START } from '../support/harness.ts';

// The built console is served to people who have not signed in yet (the sign-in page needs its script
// and stylesheet), while every API path still requires a session or a token.
describe('the built console', () => {
  let database: TestDatabase;
  let app: App;
  let webDir: string;

  beforeAll(async () => {
    webDir = mkdtempSync(join(tmpdir(), 'tessera-web-'));
    mkdirSync(join(webDir, 'assets'));
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>Tessera</title>');
    writeFileSync(join(webDir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(webDir, 'assets', 'index-abc123.css'), 'body{}');
    writeFileSync(join(webDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    database = await createTestDatabase();
    const services = createServices({
      db: database.handle.db,
      clock: new TestClock(START),
      lastUsedFlushMs: 1000,
      sessionTtlHours: 1,
      onBackgroundError: (error) => {
        throw error;
      },
    });
    app = await buildApp({ services, config: loadConfig({ TESSERA_WEB_DIR: webDir }) });
  });

  afterAll(async () => {
    await app?.close();
    await database?.dispose();
    rmSync(webDir, { recursive: true, force: true });
  });

  it('serves its files without a session, with the right types and caching', async () => {
    const script = await app.inject({ url: '/assets/index-abc123.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    expect(script.headers['cache-control']).toContain('immutable');
    const style = await app.inject({ url: '/assets/index-abc123.css' });
    expect(style.statusCode).toBe(200);
    expect(style.headers['content-type']).toMatch(/text\/css/);
    expect((await app.inject({ url: '/favicon.svg' })).statusCode).toBe(200);
  });

  it('answers deep links with index.html and a missing asset with 404', async () => {
    const page = await app.inject({ url: '/settings/security/users?user=1' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<title>Tessera</title>');
    expect((await app.inject({ url: '/assets/missing.js' })).statusCode).toBe(404);
  });

  it('still requires authentication on the API', async () => {
    const response = await app.inject({ url: '/api/tokens' });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('authentication_required');
  });
});
