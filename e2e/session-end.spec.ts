import { expect, type Page, test } from '@playwright/test';
import { E2E_PASSWORD } from './env.ts';
import { freshPerson, generateToken, signIn, tokenRow } from './support.ts';

// A session that ends while the console is open (signed out in another tab, or expired) never leaves a
// white page: the next thing the person does takes them to sign-in with a notice, and signing in brings
// them back where they were.

async function signOutInAnotherTab(page: Page) {
  const other = await page.context().newPage();
  await other.goto('/settings/access-tokens/personal');
  await other.getByRole('button', { name: /^Account menu for / }).click();
  await other.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(other).toHaveURL(/\/sign-in$/);
  await other.close();
}

async function expectSentToSignIn(page: Page, from: string) {
  await expect(page).toHaveURL((url) => url.pathname === '/sign-in' && url.searchParams.get('next') === from);
  await expect(page.getByRole('status').filter({ hasText: 'Your session ended' })).toBeVisible();
}

test('searching after the session ended in another tab goes to sign-in, then back', async ({ page }) => {
  const person = await freshPerson('member');
  await generateToken(person, { name: 'Report sync' });
  await signIn(page, person);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto('/settings/access-tokens/personal');
  await expect(tokenRow(page, 'Report sync')).toBeVisible();

  await signOutInAnotherTab(page);
  await page.getByRole('searchbox').fill('Report');
  await expectSentToSignIn(page, '/settings/access-tokens/personal?q=Report');
  expect(errors).toEqual([]);

  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Password').fill(E2E_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/settings\/access-tokens\/personal\?q=Report$/);
  await expect(tokenRow(page, 'Report sync')).toBeVisible();
});

test('Revoke after the session ended goes to sign-in instead of an error in the dialog', async ({ page }) => {
  const person = await freshPerson('member');
  await generateToken(person, { name: 'Billing export' });
  await signIn(page, person);
  await page.goto('/settings/access-tokens/personal');
  await tokenRow(page, 'Billing export').getByRole('button', { name: 'Actions for Billing export' }).click();
  await page.getByRole('menuitem', { name: 'Revoke' }).click();

  await signOutInAnotherTab(page);
  await page.getByRole('button', { name: 'Revoke token' }).click();
  await expectSentToSignIn(page, '/settings/access-tokens/personal');
});

test('the sidebar after the session ended goes to sign-in', async ({ page }) => {
  // A person of its own: signing out ends the session, which the worker's shared sign-ins must keep.
  await signIn(page, await freshPerson('manager'));
  await page.goto('/settings/access-tokens/personal');
  await expect(page.getByRole('table')).toBeVisible();
  await signOutInAnotherTab(page);
  await page.getByRole('link', { name: 'Users' }).click();
  await expectSentToSignIn(page, '/settings/security/users');
});

test('an answer the console cannot draw shows a readable error with a way back, not a white page', async ({
  page,
}) => {
  await signIn(page, 'member');
  // A list whose rows lack every field: drawing it throws inside React.
  await page.route('**/api/tokens?**', (route) =>
    route.fulfill({ json: { items: [{ id: 'x' }, { id: 'y' }], next_cursor: null } }),
  );
  await page.goto('/settings/access-tokens/personal');
  await expect(page.getByRole('heading', { name: 'Something went wrong on this page' })).toBeVisible();
  // The frame stays around it, and the way back draws the page normally.
  await expect(page.getByRole('navigation', { name: 'Settings' })).toBeVisible();
  await page.unroute('**/api/tokens?**');
  await page.getByRole('link', { name: 'Go to your personal access tokens' }).click();
  await expect(page.getByRole('heading', { name: 'Access Tokens' })).toBeVisible();
});
