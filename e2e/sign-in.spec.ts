import { expect, test } from '@playwright/test';
import { E2E_PASSWORD, PEOPLE } from './env.ts';

test('signing in with the form shows the personal token list, and signing out ends the session', async ({
  page,
}) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.getByLabel('Email').fill(PEOPLE.admin.email);
  await page.getByLabel('Password').fill(E2E_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();

  await expect(page).toHaveURL(/\/settings\/access-tokens\/personal$/);
  await expect(page.getByRole('heading', { name: 'Access Tokens' })).toBeVisible();
  const table = page.getByRole('table', { name: 'Personal access tokens' });
  await expect(table.getByRole('row').filter({ hasText: 'CI/CD Pipeline Token' })).toBeVisible();
  await expect(table.getByRole('columnheader')).toHaveText(['Token', 'Last Used', 'Status', 'Actions']);

  await page.getByRole('button', { name: `Account menu for ${PEOPLE.admin.name}` }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  // Signing out on purpose is not a session that "ended".
  await expect(page.getByText('Your session ended')).toHaveCount(0);
  await page.goto('/settings/access-tokens/personal');
  await expect(page).toHaveURL(/\/sign-in\?next=/);
});

test('a wrong password is refused with a clear message', async ({ page }) => {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(PEOPLE.admin.email);
  await page.getByLabel('Password').fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText(/password/i);
  await expect(page).toHaveURL(/\/sign-in$/);
});
