import { randomUUID } from 'node:crypto';
import { expect as baseExpect, type Page, test } from '@playwright/test';
import { Api, freshPerson, generateToken, openTooltip, PEOPLE, signIn } from './support.ts';

// The machine is shared while the suite runs: give a page's first load room, and each test time.
const expect = baseExpect.configure({ timeout: 10_000 });
test.describe.configure({ timeout: 90_000 });

// The audit log: who did what to which token or account, when and from where; filters by actor and target.

const AUDIT = '/settings/audit-log';

/** Open the audit log and wait for its first rows: a first load on a busy machine can take a while. */
async function openAudit(page: Page, url = AUDIT) {
  await page.goto(url);
  await expect(page.getByTestId('audit-row').first()).toBeVisible({ timeout: 30_000 });
}

function eventRows(page: Page, text: string) {
  return page.getByTestId('audit-row').filter({ hasText: text });
}

test('an action done here appears with actor, target, time and origin; filter by target', async ({
  page,
}) => {
  const name = `svc-audit-${randomUUID().slice(0, 8)}`;
  const admin = await Api.as('admin');
  const account = await admin.post<{ id: string }>('/api/service-users', { name });
  await admin.dispose();

  await signIn(page, 'admin');
  await openAudit(page);
  const table = page.getByRole('table', { name: 'Audit log' });
  await expect(table.getByRole('columnheader')).toHaveText(['When', 'Actor', 'Action', 'Target', 'From']);
  const row = eventRows(page, `${name}@service`).filter({ hasText: 'Added account' });
  await expect(row).toHaveCount(1);
  await expect(row.locator('.col-actor')).toHaveText(PEOPLE.admin.email);
  await expect(row.locator('.col-target')).toHaveText(`Account${name}@service`);
  await expect(row.locator('.col-action')).toContainText('Service user · member');
  await expect(row.locator('.col-from')).toContainText('127.0.0.1');
  await expect(row.locator('.col-from')).toContainText(/Chrome \d+ · Windows/);
  // Radix closes a tooltip when the page scrolls, so bring the row into view before focusing in it.
  await row.scrollIntoViewIfNeeded();
  await row.locator('.col-from').getByRole('button').focus();
  await expect(openTooltip(page)).toContainText('Mozilla/5.0 (Windows NT 10.0');
  await page.keyboard.press('Escape');
  await row.locator('.audit-when').getByRole('button').focus();
  await expect(openTooltip(page)).toContainText(/\d{4} at \d{1,2}:\d{2}:\d{2}.*UTC/);
  await expect(row.locator('.audit-when')).toHaveText(/^(Less than a minute|\d+ minutes?) ago$/);

  await row.getByRole('button', { name: `${name}@service` }).click();
  await expect(page).toHaveURL(new RegExp(`target=${account.id}`));
  await expect(page.getByTestId('audit-filter')).toHaveText(`On ${name}@service`);
  await expect(page.getByTestId('audit-row')).toHaveCount(1);
  await page.getByRole('button', { name: `Remove filter: On ${name}@service` }).click();
  await expect(page.getByTestId('audit-filter')).toHaveCount(0);
  await expect.poll(() => page.getByTestId('audit-row').count()).toBeGreaterThan(1);
});

test('filter by actor: only what one admin did', async ({ page }) => {
  const other = await freshPerson('admin');
  const api = await Api.as({ email: other.email });
  const name = `svc-by-${randomUUID().slice(0, 8)}`;
  await api.post('/api/service-users', { name });
  await api.dispose();

  await signIn(page, 'admin');
  await openAudit(page);
  await page.getByRole('combobox', { name: 'Actor' }).selectOption({ label: other.name });
  await expect(page).toHaveURL(new RegExp(`actor=${other.id}`));
  await expect(page.getByTestId('audit-filter')).toHaveText(`By ${other.name}`);
  // The unfiltered rows stay on screen (marked busy) until the filtered page arrives: wait for it before
  // the single-row checks below, which fail at once, without waiting, when they match several rows.
  const rows = page.getByTestId('audit-row');
  await expect(rows.locator('.col-actor')).toHaveText([other.email, other.email]);
  await expect(rows.filter({ hasText: 'Added account' })).toContainText(`${name}@service`);
  await expect(rows.filter({ hasText: 'Signed in' })).toHaveCount(1);

  // Clicking an actor in a row filters the same way.
  await page.getByRole('button', { name: `Remove filter: By ${other.name}` }).click();
  await expect(page.getByTestId('audit-filter')).toHaveCount(0);
  await eventRows(page, `${name}@service`).getByRole('button', { name: other.email }).click();
  await expect(page).toHaveURL(new RegExp(`actor=${other.id}`));
});

test('failed authentications appear with their count, the token and the address', async ({
  page,
  request,
}) => {
  // A person of its own: the demo admin's token list is what other tests count.
  const owner = await freshPerson();
  const { token, secret } = await generateToken(
    { email: owner.email },
    { name: `Revoked ${randomUUID().slice(0, 8)}` },
  );
  const api = await Api.as({ email: owner.email });
  await api.post(`/api/tokens/${token.id}/revoke`);
  await api.dispose();
  for (let i = 0; i < 3; i++) {
    const response = await request.get('/api/me', { headers: { authorization: `Bearer ${secret}` } });
    expect(response.status()).toBe(401);
  }

  await signIn(page, 'admin');
  await page.goto(`${AUDIT}?target=${token.id}&action=auth.failed`);
  // Failures are summed per second and written once a second, so three may land in one row or two.
  const rows = page.getByTestId('audit-row');
  const attempts = async () =>
    (await rows.locator('.col-action .badge').allTextContents()).reduce(
      (sum, t) => sum + Number.parseInt(t, 10),
      0,
    );
  await expect(async () => {
    await page.reload();
    await expect(rows.first()).toBeVisible({ timeout: 15_000 });
    expect(await attempts()).toBe(3);
  }).toPass({ timeout: 40_000 });
  const row = rows.first();
  await expect(row.locator('.col-action')).toContainText(/Failed authentication\d attempts?/);
  await expect(row.locator('.col-action')).toContainText('token revoked');
  await expect(row.locator('.col-actor')).toHaveText('Unknown');
  await expect(row.locator('.col-target')).toContainText(`…${secret.slice(-4)}`);
  await expect(row.locator('.col-from')).toContainText('127.0.0.1');
});

test('the audit log page, as an Admin sees it', async ({ page }) => {
  await signIn(page, 'admin');
  await openAudit(page);
  await expect(page.getByTestId('audit-row').first()).toBeVisible();
  await expect(page.getByText(/\d+ events shown/)).toBeVisible();
  // Every column fits without scrolling sideways, at 1280 and at 800 px.
  const from = page.getByTestId('audit-row').first().locator('.col-from');
  await expect(from).toBeInViewport({ ratio: 1 });
  await page.setViewportSize({ width: 800, height: 900 });
  await expect(from).toBeInViewport({ ratio: 1 });
  await page.screenshot({ path: 'test-results/audit-800.png' });
});

test('a Manager gets a 403 page at the audit log', async ({ page }) => {
  await signIn(page, 'manager');
  await page.goto(AUDIT);
  await expect(page.getByText('403 · Forbidden')).toBeVisible();
  await expect(page.getByRole('table', { name: 'Audit log' })).toHaveCount(0);
});
