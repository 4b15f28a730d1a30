import { expect, test } from '@playwright/test';
import { byName, listTokens, signIn, tokenRow } from './support.ts';

// The Service tab's leftmost column (service-tokens-list-columns: Service User).

test.beforeEach(async ({ page }) => {
  await signIn(page, 'admin');
  await page.goto('/settings/access-tokens/service');
  await expect(page.getByTestId('token-row').first()).toBeVisible();
});

test('a service user with a picture shows it, with the name and the email', async ({ page }) => {
  const row = tokenRow(page, 'Deploy to production');
  await expect(row.locator('img.avatar')).toHaveAttribute('src', '/avatars/github-actions.svg');
  await expect(row.getByRole('cell').first()).toContainText('GitHub Actions');
  await expect(row.getByRole('cell').first()).toContainText('ci@example.com');
});

test('a service user without a picture shows initials, the name and the email', async ({ page }) => {
  const row = tokenRow(page, 'Airflow DAG Orchestration');
  await expect(row.locator('.avatar-initials')).toHaveText('SA');
  await expect(row.getByRole('cell').first()).toContainText('svc-airflow');
  await expect(row.getByRole('cell').first()).toContainText('svc-airflow@example.com');
});

test('when name and email are both missing, the internal ID is shown instead', async ({ page }) => {
  const row = tokenRow(page, 'Legacy ETL loader');
  await expect(row.getByTestId('service-user-internal-id')).toHaveText('svc-legacy-etl@service');
  // A name without an email shows just the name, not the internal ID.
  const dbt = tokenRow(page, 'dbt nightly build');
  await expect(dbt.getByRole('cell').first()).toHaveText('SDsvc-dbt');
  await expect(dbt.getByTestId('service-user-internal-id')).toHaveCount(0);
});

test('the arrow opens Settings → Security → Users filtered to that service user', async ({ page }) => {
  const token = byName(await listTokens('admin', 'service'), 'Airflow DAG Orchestration');
  const arrow = tokenRow(page, token.name).getByRole('link', { name: 'Open svc-airflow in Users' });
  await expect(arrow).toHaveAttribute('href', `/settings/security/users?user=${token.owner.id}`);
  await arrow.click();
  await expect(page).toHaveURL(`/settings/security/users?user=${token.owner.id}`);
  await expect(page.getByRole('link', { name: 'Users' })).toHaveAttribute('aria-current', 'page');
});

test('the internal-ID-only service user’s arrow is named by that ID', async ({ page }) => {
  const row = tokenRow(page, 'Legacy ETL loader');
  await expect(row.getByRole('link', { name: 'Open svc-legacy-etl@service in Users' })).toBeVisible();
});
