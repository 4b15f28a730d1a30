import { expect, test } from '@playwright/test';
import { E2E_PASSWORD } from './env.ts';
import { PEOPLE, signIn } from './support.ts';

// Personal tokens: any role sees their own. Service tokens: Admins only (SPEC §2, §5).

test('a Member sees their own personal tokens, no Service tab, and a 403 page at the Service URL', async ({
  page,
}) => {
  const serviceRequests: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes('kind=service')) serviceRequests.push(request.url());
  });
  await signIn(page, 'member');
  await page.goto('/settings/access-tokens/personal');
  await expect(page.getByRole('tab', { name: 'Personal' })).toBeVisible();
  await expect(page.getByRole('tab', { name: 'Service' })).toHaveCount(0);
  await expect(page.getByTestId('token-row')).toHaveCount(2);
  await expect(page.getByRole('row').filter({ hasText: 'Notebook access' })).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: 'CI/CD Pipeline Token' })).toHaveCount(0);
  // Members see no Security section.
  await expect(page.getByRole('navigation', { name: 'Settings' }).getByRole('link')).toHaveText([
    'Access Tokens',
    'Your account',
  ]);

  await page.goto('/settings/access-tokens/service');
  await expect(page.getByRole('heading', { name: 'You don’t have access to this page' })).toBeVisible();
  await expect(page.getByText('403 · Forbidden')).toBeVisible();
  await expect(page.getByRole('table')).toHaveCount(0);
  expect(serviceRequests).toEqual([]);

  // The API agrees.
  const response = await page.request.get('/api/tokens?kind=service');
  expect(response.status()).toBe(403);
});

test('a Manager has no Service tab either, but reads Users', async ({ page }) => {
  await signIn(page, 'manager');
  await page.goto('/settings/access-tokens/personal');
  await expect(page.getByRole('tab', { name: 'Service' })).toHaveCount(0);
  await expect(page.getByRole('navigation', { name: 'Settings' }).getByRole('link')).toHaveText([
    'Access Tokens',
    'Your account',
    'Users',
  ]);
  await page.goto('/settings/access-tokens/service');
  await expect(page.getByText('403 · Forbidden')).toBeVisible();
});

test('an Admin has both tabs, and the tabs work with the keyboard', async ({ page }) => {
  await signIn(page, 'admin');
  await page.goto('/settings/access-tokens/personal');
  const personal = page.getByRole('tab', { name: 'Personal' });
  await expect(personal).toHaveAttribute('aria-selected', 'true');
  // Once the list has loaded, so that nothing re-renders the tabs between the key presses.
  await expect(page.getByRole('table', { name: 'Personal access tokens' })).toBeVisible();
  await personal.focus();
  await expect(personal).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: 'Service' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL('/settings/access-tokens/service');
  await expect(page.getByRole('tab', { name: 'Service' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('table', { name: 'Service tokens' })).toBeVisible();
});

test('nobody signed in is sent to sign in, and comes back after', async ({ page }) => {
  await page.goto('/settings/access-tokens/service');
  await expect(page).toHaveURL('/sign-in?next=%2Fsettings%2Faccess-tokens%2Fservice');
  await page.getByLabel('Email').fill(PEOPLE.admin.email);
  await page.getByLabel('Password').fill(E2E_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL('/settings/access-tokens/service');
});
