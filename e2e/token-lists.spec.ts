import { type Browser, expect, type Page, test } from '@playwright/test';
import { exactTime, expirationPhrase, lastUsedPhrase } from '../src/core/time-phrases.ts';
import { E2E_BASE_URL } from './env.ts';
import { type ApiToken, byName, listTokens, openTooltip, signIn, tabTo, tokenRow } from './support.ts';

// Every scenario of the two reference pages (personal-tokens-list-columns, service-tokens-list-columns),
// on both tabs, against the demo workspace exactly as a fresh start seeds it. Expected phrases are the
// reference pages' own words where the demo data is built to show them, and otherwise core's phrase for
// the timestamps the API returns.

interface Tab {
  kind: 'personal' | 'service';
  path: string;
  table: string;
  /** Demo tokens, one per scenario. */
  active: string;
  neverExpires: string;
  expired: string;
  notUsed: string;
  revokedUsed: string;
  /** A token whose last use reads "Last used 1 day ago". */
  usedOneDayAgo: string;
  /** A token that reads "Expires in 2 months". */
  expiresInMonths: string;
  /** A token that expires within days. */
  expiresInDays: string;
}

const TABS: Tab[] = [
  {
    kind: 'personal',
    path: '/settings/access-tokens/personal',
    table: 'Personal access tokens',
    active: 'CI/CD Pipeline Token',
    neverExpires: 'Local Development',
    expired: 'Quarterly report notebook',
    notUsed: 'Data export script',
    revokedUsed: 'Old laptop',
    usedOneDayAgo: 'CI/CD Pipeline Token',
    expiresInMonths: 'CI/CD Pipeline Token',
    expiresInDays: 'Data export script',
  },
  {
    kind: 'service',
    path: '/settings/access-tokens/service',
    table: 'Service tokens',
    active: 'Airflow DAG Orchestration',
    neverExpires: 'Airflow backfill',
    expired: 'Legacy ETL loader',
    notUsed: 'Release workflow',
    revokedUsed: 'Airflow staging',
    usedOneDayAgo: 'Airflow backfill',
    expiresInMonths: 'Release workflow',
    expiresInDays: 'Airflow DAG Orchestration',
  },
];

const GREEN = 'rgb(28, 138, 74)';
const ORANGE = 'rgb(194, 90, 10)';
const RED = 'rgb(207, 47, 47)';

/**
 * One page per tab for the read-only scenario tests: loading the console once and asserting scenario by
 * scenario keeps the suite fast on a busy machine. Nothing here changes data.
 */
async function openList(browser: Browser, tab: Tab): Promise<Page> {
  const page = await browser.newPage({
    baseURL: E2E_BASE_URL,
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  await signIn(page, 'admin');
  await page.goto(tab.path);
  await expect(page.getByTestId('token-row').first()).toBeVisible({ timeout: 30_000 });
  return page;
}

for (const tab of TABS) {
  test.describe(`${tab.kind} tokens list`, () => {
    test.describe.configure({ mode: 'serial' });
    let tokens: ApiToken[];
    let page: Page;
    test.beforeAll(async ({ browser }) => {
      // The demo workspace's tokens only, which are all dated an hour or more back: tokens that tests
      // running beside this one generate (minutes old) may be revoked or deleted while this page shows them.
      const demoBefore = Date.now() - 30 * 60_000;
      tokens = (await listTokens('admin', tab.kind)).filter((t) => Date.parse(t.created_at) < demoBefore);
      page = await openList(browser, tab);
    });
    test.afterAll(async () => {
      await page?.close();
    });
    test.afterEach(async () => {
      // Leave no tooltip open for the next scenario.
      await page.mouse.move(1, 1, { steps: 10 });
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    });

    test('columns, left to right, as the reference page lists them', async () => {
      const headers = page.getByRole('table', { name: tab.table }).getByRole('columnheader');
      await expect(headers).toHaveText(
        tab.kind === 'service'
          ? ['Service User', 'Token', 'Last Used', 'Status', 'Actions']
          : ['Token', 'Last Used', 'Status', 'Actions'],
      );
    });

    test('key icon: green for Active, orange for Revoked, red for Expired, named by the status', async () => {
      for (const [name, status, colour] of [
        [tab.active, 'Active', GREEN],
        [tab.revokedUsed, 'Revoked', ORANGE],
        [tab.expired, 'Expired', RED],
      ] as const) {
        const icon = tokenRow(page, name).getByRole('img', { name: status, exact: true });
        await expect(icon).toBeVisible();
        await expect(icon).toHaveCSS('background-color', colour);
      }
    });

    test('name, and under it "Expires in …" with the exact date and time on hover', async () => {
      const token = byName(tokens, tab.expiresInMonths);
      const expiration = tokenRow(page, token.name).getByTestId('expiration');
      await expect(expiration).toHaveText('Expires in 2 months');
      await expiration.getByRole('button').hover();
      await expect(openTooltip(page)).toContainText(`Expires ${exactTime(token.expires_at!, 'UTC')}`);

      const soon = byName(tokens, tab.expiresInDays);
      await expect(tokenRow(page, soon.name).getByTestId('expiration')).toHaveText(
        expirationPhrase(soon.expires_at, new Date()),
      );
      await expect(tokenRow(page, soon.name).getByTestId('expiration')).toHaveText(/^Expires in \d+ days?$/);
    });

    test('a token that never expires says Never', async () => {
      await expect(tokenRow(page, tab.neverExpires).getByTestId('expiration')).toHaveText(/^Never/);
      expect(byName(tokens, tab.neverExpires).expires_at).toBeNull();
    });

    test('an expired token says "Expired 3 months ago" and its tooltip keeps the original date', async () => {
      const token = byName(tokens, tab.expired);
      const expiration = tokenRow(page, token.name).getByTestId('expiration');
      await expect(expiration).toHaveText('Expired 3 months ago');
      await expiration.getByRole('button').hover();
      await expect(openTooltip(page)).toContainText(`Expired ${exactTime(token.expires_at!, 'UTC')}`);
    });

    test('Last Used: "Last used 1 day ago" with the exact time on hover', async () => {
      const token = byName(tokens, tab.usedOneDayAgo);
      const lastUsed = tokenRow(page, token.name).getByTestId('last-used');
      await expect(lastUsed).toHaveText('Last used 1 day ago');
      await lastUsed.getByRole('button').hover();
      await expect(openTooltip(page)).toContainText(`Last used ${exactTime(token.last_used_at!, 'UTC')}`);
    });

    test('Not used yet, with the creation date on hover', async () => {
      const token = byName(tokens, tab.notUsed);
      expect(token.last_used_at).toBeNull();
      const lastUsed = tokenRow(page, token.name).getByTestId('last-used');
      await expect(lastUsed).toHaveText('Not used yet');
      await lastUsed.getByRole('button').hover();
      await expect(openTooltip(page)).toContainText(`Created ${exactTime(token.created_at, 'UTC')}`);
    });

    test('revoked and expired tokens keep their last use', async () => {
      for (const name of [tab.revokedUsed, tab.expired]) {
        const token = byName(tokens, name);
        expect(token.last_used_at).not.toBeNull();
        await expect(tokenRow(page, name).getByTestId('last-used')).toHaveText(
          lastUsedPhrase(token.last_used_at, new Date()),
        );
      }
    });

    test('status badge: Active green, Revoked orange, Expired red', async () => {
      for (const [name, status, colour] of [
        [tab.active, 'Active', 'rgb(20, 108, 57)'],
        [tab.revokedUsed, 'Revoked', 'rgb(154, 69, 7)'],
        [tab.expired, 'Expired', 'rgb(168, 34, 34)'],
      ] as const) {
        const badge = tokenRow(page, name).locator('.badge');
        await expect(badge).toHaveText(status);
        await expect(badge).toHaveCSS('color', colour);
      }
    });

    test('every demo token’s row shows the phrases core gives for the API’s timestamps', async () => {
      const now = new Date();
      expect(tokens.length).toBeGreaterThanOrEqual(5);
      for (const token of tokens) {
        const row = tokenRow(page, token.name);
        await expect(row.getByTestId('expiration')).toHaveText(
          new RegExp(`^${expirationPhrase(token.expires_at, now)}`),
        );
        await expect(row.getByTestId('last-used')).toHaveText(lastUsedPhrase(token.last_used_at, now));
        await expect(row.locator('.badge')).toHaveText(new RegExp(token.status, 'i'));
      }
    });

    test('keyboard focus opens the tooltip too', async () => {
      const token = byName(tokens, tab.expired);
      // Start from the row above (its last control), then go on with the keyboard.
      const rows = page.getByTestId('token-row');
      const index = await rows.evaluateAll(
        (elements, name) => elements.findIndex((e) => e.textContent?.includes(name)),
        token.name,
      );
      await rows
        .nth(index - 1)
        .getByRole('button', { name: /^Actions for/ })
        .focus();
      const trigger = tokenRow(page, token.name).getByTestId('expiration').getByRole('button');
      await tabTo(page, trigger);
      await expect(openTooltip(page)).toContainText(exactTime(token.expires_at!, 'UTC'));
      await page.keyboard.press('Tab');
      await expect(openTooltip(page)).toContainText(`Last used ${exactTime(token.last_used_at!, 'UTC')}`);
    });
  });
}

// The exact date and time follow the viewer's own time zone.
for (const timezoneId of ['America/New_York', 'Asia/Tokyo']) {
  test.describe(`in ${timezoneId}`, () => {
    test.use({ timezoneId });

    test('tooltips show the exact times in the viewer’s time zone', async ({ page }) => {
      const tokens = await listTokens('admin', 'personal');
      const token = byName(tokens, 'CI/CD Pipeline Token');
      expect(exactTime(token.expires_at!, 'America/New_York')).not.toBe(
        exactTime(token.expires_at!, 'Asia/Tokyo'),
      );
      await signIn(page, 'admin');
      await page.goto('/settings/access-tokens/personal');
      const row = tokenRow(page, token.name);
      await row.getByTestId('expiration').getByRole('button').hover();
      await expect(openTooltip(page)).toContainText(exactTime(token.expires_at!, timezoneId));
      await expect(openTooltip(page)).toContainText(timezoneId === 'Asia/Tokyo' ? 'GMT+9' : /E[SD]T/);
      // Away first, in steps: Radix keeps a tooltip open while the pointer may be on its way to it.
      await page.mouse.move(1, 1, { steps: 10 });
      await expect(openTooltip(page)).toHaveCount(0);
      await row.getByTestId('last-used').getByRole('button').hover();
      await expect(openTooltip(page)).toContainText(exactTime(token.last_used_at!, timezoneId));
    });
  });
}

test('relative times tick while the page stays open', async ({ page }) => {
  await page.clock.install();
  await signIn(page, 'admin');
  await page.goto('/settings/access-tokens/personal');
  const lastUsed = tokenRow(page, 'Local Development').getByTestId('last-used');
  await expect(lastUsed).toHaveText(/^Last used \d+ minutes ago$/);
  const before = Number((await lastUsed.textContent())!.match(/\d+/)![0]);
  await page.clock.fastForward('05:00');
  // The page's clock keeps running in real time too, so a slow machine may add a minute.
  await expect
    .poll(async () => Number((await lastUsed.textContent())!.match(/\d+/)![0]))
    .toBeGreaterThanOrEqual(before + 5);
  expect(Number((await lastUsed.textContent())!.match(/\d+/)![0])).toBeLessThanOrEqual(before + 7);
  await page.clock.fastForward('02:00:00');
  await expect(lastUsed).toHaveText('Last used 2 hours ago');
});

test('opening a tooltip moves nothing on the page', async ({ page }) => {
  await signIn(page, 'admin');
  await page.goto('/settings/access-tokens/personal');
  const rows = page.getByTestId('token-row');
  await expect(rows.first()).toBeVisible();
  const boxes = async () => Promise.all((await rows.all()).map((row) => row.boundingBox()));
  const before = await boxes();
  await tokenRow(page, 'CI/CD Pipeline Token').getByTestId('expiration').getByRole('button').hover();
  await expect(openTooltip(page)).toBeVisible();
  expect(await boxes()).toEqual(before);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
});

test('at 800 px wide nothing overflows sideways', async ({ page }) => {
  await page.setViewportSize({ width: 800, height: 900 });
  await signIn(page, 'admin');
  for (const path of ['/settings/access-tokens/personal', '/settings/access-tokens/service']) {
    await page.goto(path);
    await expect(page.getByTestId('token-row').first()).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(800);
    await expect(page.getByRole('button', { name: 'Generate Token' })).toBeInViewport();
  }
});
