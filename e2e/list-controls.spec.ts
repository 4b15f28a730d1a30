import { expect, test } from '@playwright/test';
import { Api, freshPerson, listTokens, signIn, tokenRow } from './support.ts';

// Search by name, filter by status and service user, sort, page with the API's cursor, and what an empty
// list says.

test('search by name, and a search with no match says so and offers to clear it', async ({ page }) => {
  await signIn(page, 'admin');
  await page.goto('/settings/access-tokens/personal');
  const search = page.getByRole('searchbox', { name: 'Search tokens by name' });
  await search.fill('LAPTOP');
  await expect(page.getByTestId('token-row')).toHaveCount(1);
  await expect(tokenRow(page, 'Old laptop')).toBeVisible();
  await expect(page).toHaveURL(/[?&]q=LAPTOP/);

  await search.fill('no such token');
  await expect(page.getByRole('heading', { name: 'No tokens match' })).toBeVisible();
  await expect(page.getByText('No personal token matches “no such token”.')).toBeVisible();
  await page.getByRole('button', { name: 'Clear search and filters' }).click();
  await expect(search).toHaveValue('');
  // Every one of the Admin's tokens again: the demo's nine, and any another test gave the Admin meanwhile.
  await expect
    .poll(
      async () =>
        (await page.getByTestId('token-row').count()) - (await listTokens('admin', 'personal')).length,
    )
    .toBe(0);
  expect(await page.getByTestId('token-row').count()).toBeGreaterThanOrEqual(9);
});

test('filter by status', async ({ page }) => {
  await signIn(page, 'admin');
  await page.goto('/settings/access-tokens/personal');
  await page.getByLabel('Status').selectOption('Expired');
  await expect(page.getByTestId('token-row')).toHaveCount(2);
  await expect(page.getByTestId('token-row').locator('.badge')).toHaveText(['Expired', 'Expired']);
  await page.getByLabel('Status').selectOption('Revoked');
  await expect(page.getByTestId('token-row').locator('.badge')).toHaveText(['Revoked', 'Revoked']);
  // The filter is in the URL: a reload keeps it.
  await page.reload();
  await expect(page.getByLabel('Status')).toHaveValue('revoked');
  await expect(page.getByTestId('token-row')).toHaveCount(2);
});

test('filter the Service tab by service user, and by status at the same time', async ({ page }) => {
  await signIn(page, 'admin');
  await page.goto('/settings/access-tokens/service');
  await page.getByLabel('Service user').selectOption({ label: 'svc-airflow' });
  await expect(page.getByTestId('token-row')).toHaveCount(3);
  await page.getByLabel('Status').selectOption('Active');
  await expect(page.getByTestId('token-row')).toHaveCount(2);
  await expect(tokenRow(page, 'Airflow staging')).toHaveCount(0);
  // Deactivated service users can be chosen too: their tokens are still listed.
  await page.getByLabel('Status').selectOption('');
  await page.getByLabel('Service user').selectOption({ label: 'svc-jenkins (deactivated)' });
  await expect(page.getByTestId('token-row')).toHaveCount(2);
});

test('sort by name, by expiry and by last use, from the menu and from the column headers', async ({
  page,
}) => {
  const tokens = await listTokens('admin', 'personal');
  await signIn(page, 'admin');
  await page.goto('/settings/access-tokens/personal');
  const names = page.getByTestId('token-row').locator('.cell-primary');

  await page.getByLabel('Sort').selectOption({ label: 'Sort: Name A–Z' });
  const byName = tokens.map((t) => t.name).sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' }));
  await expect(names).toHaveText(byName);

  await page.getByRole('columnheader', { name: 'Token' }).getByRole('button').click();
  await expect(page.getByRole('columnheader', { name: 'Token' })).toHaveAttribute('aria-sort', 'descending');
  await expect(names).toHaveText([...byName].reverse());

  await page.getByLabel('Sort').selectOption({ label: 'Sort: Expires soonest' });
  const expiring = tokens
    .filter((t) => t.expires_at)
    .sort((a, b) => a.expires_at!.localeCompare(b.expires_at!))
    .map((t) => t.name);
  await expect(names.first()).toHaveText(expiring[0]!);

  await page.getByRole('columnheader', { name: 'Last Used' }).getByRole('button').click();
  await expect(page.getByRole('columnheader', { name: 'Last Used' })).toHaveAttribute(
    'aria-sort',
    'descending',
  );
  await expect(names.first()).toHaveText('Local Development');
});

test('pages of 25 with Load more, through the API’s cursor', async ({ page }) => {
  const person = await freshPerson('member');
  const api = await Api.as(person);
  for (let i = 1; i <= 27; i++) {
    await api.post('/api/tokens', {
      name: `Batch ${String(i).padStart(2, '0')}`,
      kind: 'personal',
      expires_in_days: 30,
    });
  }
  await api.dispose();
  await signIn(page, person);
  await page.goto('/settings/access-tokens/personal?sort=name&order=asc');
  await expect(page.getByTestId('token-row')).toHaveCount(25);
  await expect(page.getByText('25 tokens shown')).toBeVisible();
  await page.getByRole('button', { name: 'Load more' }).click();
  await expect(page.getByTestId('token-row')).toHaveCount(27);
  await expect(page.getByTestId('token-row').last()).toContainText('Batch 27');
  await expect(page.getByRole('button', { name: 'Load more' })).toHaveCount(0);
  await expect(page.getByText('27 tokens')).toBeVisible();
});

test('an empty list says what to do', async ({ page }) => {
  await signIn(page, 'newcomer');
  await page.goto('/settings/access-tokens/personal');
  await expect(page.getByRole('heading', { name: 'No personal access tokens yet' })).toBeVisible();
  await expect(page.getByText('Generate a token to call the Tessera API')).toBeVisible();
  await page.getByRole('button', { name: 'Generate Token' }).last().click();
  await expect(page.getByRole('dialog', { name: 'Generate Token' })).toBeVisible();
});

test('a list that cannot be loaded says why, and Try again loads it', async ({ page }) => {
  await signIn(page, 'admin');
  const lists = [
    { path: '/settings/access-tokens/personal', api: '**/api/tokens?*', what: 'tokens', row: 'token-row' },
    { path: '/settings/security/users', api: '**/api/users?*', what: 'users', row: 'user-row' },
    { path: '/settings/audit-log', api: '**/api/audit?*', what: 'audit log', row: 'audit-row' },
  ];
  for (const list of lists) {
    // The server's own error shape; 503 is retried twice by the console before it gives up.
    await page.route(list.api, (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ code: 'unavailable', message: 'The database is not answering.' }),
      }),
    );
    await page.goto(list.path);
    await expect(page.getByRole('heading', { name: `The ${list.what} could not be loaded` })).toBeVisible();
    await expect(page.getByText('The database is not answering.')).toBeVisible();
    await expect(page.getByTestId(list.row)).toHaveCount(0);

    await page.unroute(list.api);
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect(page.getByTestId(list.row).first()).toBeVisible();
    await expect(page.getByRole('heading', { name: `The ${list.what} could not be loaded` })).toHaveCount(0);
  }
});
