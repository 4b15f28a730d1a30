import { expect, type Page, test } from '@playwright/test';
import { E2E_BASE_URL } from './env.ts';
import { byName, listTokens, signIn, tokenRow } from './support.ts';

// The Service tab's leftmost column (service-tokens-list-columns: Service User). One page for the
// whole file (nothing here changes data); the arrow test, which leaves the page, comes last.

test.describe.configure({ mode: 'serial' });
let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage({ baseURL: E2E_BASE_URL, viewport: { width: 1280, height: 800 } });
  await signIn(page, 'admin');
  await page.goto('/settings/access-tokens/service');
  await expect(page.getByTestId('token-row').first()).toBeVisible({ timeout: 30_000 });
});

test.afterAll(async () => {
  await page?.close();
});

test('a service user with a picture shows it, with the name and the email', async () => {
  const row = tokenRow(page, 'Deploy to production');
  await expect(row.locator('img.avatar')).toHaveAttribute('src', '/avatars/github-actions.svg');
  await expect(row.getByRole('cell').first()).toContainText('GitHub Actions');
  await expect(row.getByRole('cell').first()).toContainText('ci@example.com');
});

test('a service user without a picture shows initials, the name and the email', async () => {
  const row = tokenRow(page, 'Airflow DAG Orchestration');
  await expect(row.locator('.avatar-initials')).toHaveAttribute('data-initials', 'SA');
  await expect(row.getByRole('cell').first()).toContainText('svc-airflow');
  await expect(row.getByRole('cell').first()).toContainText('svc-airflow@example.com');
});

test('when name and email are both missing, the internal ID is shown instead', async () => {
  const row = tokenRow(page, 'Legacy ETL loader');
  await expect(row.getByTestId('service-user-internal-id')).toHaveText('svc-legacy-etl@service');
  // A name without an email shows just the name, not the internal ID.
  const dbt = tokenRow(page, 'dbt nightly build');
  await expect(dbt.getByRole('cell').first()).toHaveText('svc-dbt');
  await expect(dbt.getByTestId('service-user-internal-id')).toHaveCount(0);
});

test('the internal-ID-only service user’s arrow is named by that ID', async () => {
  const row = tokenRow(page, 'Legacy ETL loader');
  await expect(row.getByRole('link', { name: 'Open svc-legacy-etl@service in Users' })).toBeVisible();
});

test('the arrow opens Settings → Security → Users filtered to that service user', async () => {
  const token = byName(await listTokens('admin', 'service'), 'Airflow DAG Orchestration');
  const arrow = tokenRow(page, token.name).getByRole('link', { name: 'Open svc-airflow in Users' });
  await expect(arrow).toHaveAttribute('href', `/settings/security/users?user=${token.owner.id}`);
  await arrow.click();
  await expect(page).toHaveURL(`/settings/security/users?user=${token.owner.id}`);
  await expect(page.getByRole('link', { name: 'Users', exact: true })).toHaveAttribute(
    'aria-current',
    'page',
  );
});
