import { expect, test } from '@playwright/test';
import { freshPerson, generateToken, signIn, tokenRow } from './support.ts';

// A token's own page: what it is, how much it is used and from where, and what happened to it.

test("a busy demo service token's name opens its page: a chart with data, and the addresses it came from", async ({
  page,
}) => {
  await signIn(page, 'admin');
  await page.goto('/settings/access-tokens/service?q=Airflow%20DAG');
  await tokenRow(page, 'Airflow DAG Orchestration')
    .getByRole('link', { name: 'Airflow DAG Orchestration' })
    .click();
  await expect(page).toHaveURL(/\/settings\/access-tokens\/service\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Airflow DAG Orchestration' })).toBeVisible();
  await expect(page.getByTestId('token-page').getByText('Active', { exact: true })).toBeVisible();
  // The owner card with the arrow to Users.
  await expect(page.getByRole('link', { name: /in Users$/ })).toBeVisible();
  const chart = page.getByTestId('usage-chart');
  await expect(chart.locator('canvas')).toBeVisible();
  expect(Number(await chart.getAttribute('data-uses'))).toBeGreaterThan(0);
  for (const range of ['7d', '30d', '90d']) {
    await page.getByRole('button', { name: range, exact: true }).click();
    await expect(page.getByRole('button', { name: range, exact: true })).toHaveAttribute(
      'aria-pressed',
      'true',
    );
    await expect(chart).toHaveAttribute('aria-label', /per (hour|day)$/);
    expect(Number(await chart.getAttribute('data-uses'))).toBeGreaterThan(0);
  }
  const origins = page.getByTestId('origin-row');
  await expect(origins.filter({ hasText: '10.30.1.5' })).toHaveCount(1);
  expect(await origins.count()).toBeGreaterThan(1);
  // The token's own history, newest first, for an Admin.
  await expect(page.getByTestId('token-trail').getByText('Generated token')).toBeVisible();
});

test('a never-used token shows the empty state; its row actions work on the page', async ({ page }) => {
  const person = await freshPerson('member');
  await generateToken(person, { name: 'Never used' });
  await signIn(page, person);
  await page.goto('/settings/access-tokens/personal');
  await page.getByRole('link', { name: 'Never used' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Never used' })).toBeVisible();
  await expect(page.getByTestId('token-last-used')).toHaveText('Not used yet');
  // Generated without scopes or networks: the full API, from anywhere.
  await expect(page.getByTestId('token-scopes')).toHaveText('Full API');
  await expect(page.getByTestId('token-networks')).toHaveText('Anywhere');
  await expect(page.getByTestId('token-federation')).toHaveCount(0);
  await expect(page.getByRole('heading', { name: 'Not used yet' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'No addresses yet' })).toBeVisible();
  await expect(page.getByTestId('usage-chart')).toHaveCount(0);
  // A member sees no audit trail: the audit log is the Admins'.
  await expect(page.getByTestId('token-trail')).toHaveCount(0);

  await page.getByRole('button', { name: 'Actions for Never used' }).click();
  await page.getByRole('menuitem', { name: 'Revoke' }).click();
  await page.getByRole('button', { name: 'Revoke token' }).click();
  await expect(page.getByTestId('token-page').getByText('Revoked', { exact: true })).toBeVisible();
});

test("someone else's token, or no such token, is a page that says so", async ({ page }) => {
  const person = await freshPerson('member');
  const { token } = await generateToken(person, { name: 'Private' });
  await signIn(page, 'member');
  await page.goto(`/settings/access-tokens/personal/${token.id}`);
  await expect(page.getByRole('heading', { name: 'No such token' })).toBeVisible();
  await page.goto('/settings/access-tokens/personal/not-an-id');
  await expect(page.getByRole('heading', { name: 'No such token' })).toBeVisible();
});

test("a token's scopes and allowed networks show on its page", async ({ page }) => {
  const person = await freshPerson('member');
  const { token } = await generateToken(person, {
    name: 'Fenced reader',
    scopes: ['read_api'],
    allowed_networks: ['10.20.0.0/16', '2001:db8::/32'],
  });
  await signIn(page, person);
  await page.goto(`/settings/access-tokens/personal/${token.id}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Fenced reader' })).toBeVisible();
  await expect(page.getByTestId('token-scopes')).toHaveText('Read-only API');
  const networks = page.getByTestId('token-networks').getByRole('listitem');
  await expect(networks).toHaveText(['10.20.0.0/16', '2001:db8::/32']);
  await expect(page.getByTestId('token-federation')).toHaveCount(0);
});
