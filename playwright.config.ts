import { defineConfig, devices } from '@playwright/test';
import { E2E_BASE_URL } from './e2e/env.ts';

// The console in Debian's Chromium (never a downloaded browser) against a real Tessera server started on
// a fresh temporary database with the demo workspace (e2e/server.ts).
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  fullyParallel: true,
  workers: 2,
  // One retry in CI: a test that fails once on the busy 2-core machine shows as "flaky" in the report,
  // with a trace of its retry, instead of failing the run. A test that fails twice still fails it.
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  // Generous: the tests share a 2-core machine with other work.
  expect: { timeout: 15_000 },
  forbidOnly: !!process.env.CI,
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  outputDir: 'test-results',
  use: {
    baseURL: E2E_BASE_URL,
    ...devices['Desktop Chrome'],
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
    timezoneId: 'UTC',
    launchOptions: { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS },
    // A trace only for a test's retry (CI retries once): recording every test made the whole run take
    // half as long again on the 2-core machine (docs/DECISIONS.md, Tests and tooling). Locally, `--trace on`.
    trace: 'on-first-retry',
    screenshot: 'only-on-failure',
  },
  // The screenshots first, one after another, so the README shows the demo workspace and nothing the other
  // tests create.
  projects: [
    { name: 'screenshots', testMatch: 'screenshots.spec.ts' },
    { name: 'console', testIgnore: 'screenshots.spec.ts', dependencies: ['screenshots'] },
  ],
  webServer: {
    command: 'node e2e/server.ts',
    url: `${E2E_BASE_URL}/readyz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
  },
});
