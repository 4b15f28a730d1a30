import { randomUUID } from 'node:crypto';
import { expect as baseExpect, test } from '@playwright/test';
import { generateSecret } from '../src/core/secret.ts';
import { freshPerson, generateToken, listTokens, PEOPLE, signIn } from './support.ts';

const expect = baseExpect.configure({ timeout: 10_000 });
test.describe.configure({ timeout: 90_000 });

// Revoke leaked secrets (Admins): paste a text, see what each secret in it is, revoke the chosen ones.

const PAGE = '/settings/security/leaked-secrets';

test('an Admin pastes a log, sees each secret, and revokes the chosen ones as leaked', async ({ page }) => {
  const tag = randomUUID().slice(0, 8);
  const person = await freshPerson();
  const a = await generateToken(person, { name: `Leaked A ${tag}` });
  const b = await generateToken(person, { name: `Leaked B ${tag}` });
  const kept = await generateToken(person, { name: `Kept ${tag}` });
  const log = [
    `12:00:01 GET /deploy Authorization: Bearer ${a.secret}`,
    `12:00:02 + TOKEN=${b.secret}`,
    `12:00:03 and a typo: ${kept.secret.slice(0, -1)}x`,
    `12:00:04 again ${a.secret}`,
  ].join('\n');

  await signIn(page, 'admin');
  await page.goto('/settings/access-tokens/personal');
  await page
    .getByRole('navigation', { name: 'Settings' })
    .getByRole('link', { name: 'Leaked secrets' })
    .click();
  await expect(page).toHaveURL(PAGE);
  await expect(page.getByRole('heading', { name: 'Revoke leaked secrets' })).toBeVisible();
  await expect(page).toHaveTitle(/Revoke leaked secrets/);

  await page.getByLabel('Text with secrets').fill(log);
  await page.getByRole('button', { name: 'Find secrets' }).click();
  const rows = page.getByTestId('leaked-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText(`tsr_pat_…${a.secret.slice(-4)}`);
  await expect(rows.nth(0)).toContainText(`Leaked A ${tag}`);
  await expect(rows.nth(0)).toContainText(person.name);
  await expect(rows.nth(0)).toContainText('Active');
  await expect(rows.nth(0)).toContainText('Not used yet');
  // The page shows secrets by their last characters, never in full.
  await expect(page.getByRole('table', { name: 'Secrets found' })).not.toContainText(a.secret);

  // Both are chosen; keep B out.
  await expect(page.getByRole('button', { name: 'Revoke 2 selected' })).toBeEnabled();
  await rows.nth(1).getByRole('checkbox').uncheck();
  await page.getByRole('button', { name: 'Revoke 1 selected' }).click();
  await expect(page.getByRole('status').filter({ hasText: '1 token revoked as leaked.' })).toBeVisible();
  await expect(rows.nth(0)).toContainText('Revoked');
  await expect(rows.nth(0).getByRole('checkbox')).toBeDisabled();
  await expect(rows.nth(1)).toContainText('Active');

  const tokens = await listTokens(person, 'personal');
  const byName = (name: string) => tokens.find((t) => t.name === name) as unknown as Record<string, unknown>;
  expect(byName(`Leaked A ${tag}`)).toMatchObject({ status: 'revoked', revoked_reason: 'leaked' });
  expect(byName(`Leaked B ${tag}`)).toMatchObject({ status: 'active' });
  expect(byName(`Kept ${tag}`)).toMatchObject({ status: 'active' });
});

test('says so when a text holds no secret, and tells unknown secrets apart', async ({ page }) => {
  await signIn(page, 'admin');
  await page.goto(PAGE);
  await page.getByLabel('Text with secrets').fill('nothing here but tsr_pat_short');
  await page.getByRole('button', { name: 'Find secrets' }).click();
  await expect(page.getByText('No Tessera secret with a valid checksum is in this text.')).toBeVisible();
  await expect(page.getByLabel('Text with secrets')).toHaveAttribute('aria-invalid', 'true');

  // A well-formed secret nobody issued, beside one of the Admin's own.
  const unknown = generateSecret('service');
  const { secret } = await generateToken('admin', { name: `Mine ${randomUUID().slice(0, 8)}` });
  await page.getByLabel('Text with secrets').fill(`found ${unknown} and ${secret}`);
  await page.getByRole('button', { name: 'Find secrets' }).click();
  const rows = page.getByTestId('leaked-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText('No token has this secret');
  await expect(rows.nth(0).getByRole('checkbox')).toBeDisabled();
  await expect(rows.nth(1)).toContainText(PEOPLE.admin.name);
  await expect(page.getByLabel('Text with secrets')).not.toHaveAttribute('aria-invalid', 'true');
});

test('is for Admins: not in a Manager’s navigation, and refused', async ({ page }) => {
  await signIn(page, 'manager');
  await page.goto(PAGE);
  await expect(page.getByText('403 · Forbidden')).toBeVisible();
  await expect(
    page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Leaked secrets' }),
  ).toHaveCount(0);
});
