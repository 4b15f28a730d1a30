import { randomUUID } from 'node:crypto';
import { type APIRequestContext, expect, type Page, request as playwrightRequest } from '@playwright/test';
import { E2E_BASE_URL, E2E_PASSWORD, PEOPLE, type Person } from './env.ts';

export { PEOPLE } from './env.ts';

type Cookies = Awaited<ReturnType<ReturnType<Page['context']>['cookies']>>;
const sessions = new Map<string, Cookies>();

/**
 * Sign the page's browser context in without going through the form (the form has its own test). A
 * worker signs each person in once and reuses the session cookie: hashing a password is deliberately slow.
 */
export async function signIn(page: Page, who: Person | { email: string }): Promise<void> {
  const email = typeof who === 'string' ? PEOPLE[who].email : who.email;
  const cached = sessions.get(email);
  if (cached) {
    await page.context().addCookies(cached);
    return;
  }
  const response = await page.context().request.post('/api/auth/login', {
    data: { email, password: E2E_PASSWORD },
  });
  expect(response.status(), `sign in as ${email}`).toBe(200);
  sessions.set(email, await page.context().cookies());
}

/** A signed-in API client of its own (not the page's), for setting up data. */
export class Api {
  readonly #request: APIRequestContext;
  readonly #csrf: string;

  private constructor(request: APIRequestContext, csrf: string) {
    this.#request = request;
    this.#csrf = csrf;
  }

  static async as(who: Person | { email: string }): Promise<Api> {
    const email = typeof who === 'string' ? PEOPLE[who].email : who.email;
    const request = await playwrightRequest.newContext({ baseURL: E2E_BASE_URL });
    const response = await request.post('/api/auth/login', { data: { email, password: E2E_PASSWORD } });
    expect(response.status(), `API sign in as ${email}`).toBe(200);
    return new Api(request, (await response.json()).csrf_token);
  }

  async get<T>(path: string): Promise<T> {
    const response = await this.#request.get(path);
    expect(response.ok(), `GET ${path}: ${await response.text()}`).toBe(true);
    return response.json();
  }

  async post<T>(path: string, data?: unknown): Promise<T> {
    const response = await this.#request.post(path, {
      data: data ?? {},
      headers: { 'x-csrf-token': this.#csrf },
    });
    expect(response.ok(), `POST ${path}: ${await response.text()}`).toBe(true);
    return response.json();
  }

  async delete(path: string): Promise<void> {
    const response = await this.#request.delete(path, { headers: { 'x-csrf-token': this.#csrf } });
    expect(response.ok(), `DELETE ${path}: ${await response.text()}`).toBe(true);
  }

  async put<T>(path: string, data: unknown): Promise<T> {
    const response = await this.#request.put(path, { data, headers: { 'x-csrf-token': this.#csrf } });
    expect(response.ok(), `PUT ${path}: ${await response.text()}`).toBe(true);
    return response.json();
  }

  async dispose(): Promise<void> {
    await this.#request.dispose();
  }
}

export interface ApiToken {
  id: string;
  name: string;
  status: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  owner: { id: string; name: string | null; email: string | null; internal_id: string | null };
}

/** A new person of their own for a test that changes things, so tests never disturb each other. */
export async function freshPerson(
  role: 'member' | 'manager' | 'admin' = 'member',
): Promise<{ email: string; id: string; name: string }> {
  const admin = await Api.as('admin');
  const tag = randomUUID().slice(0, 8);
  const name = `E2E ${role} ${tag}`;
  const email = `e2e-${role}-${tag}@tessera.test`;
  const created = await admin.post<{ account: { id: string } }>('/api/users', {
    email,
    name,
    password: E2E_PASSWORD,
    role,
  });
  await admin.dispose();
  return { email, id: created.account.id, name };
}

/** A token generated through the API as `who`. */
export async function generateToken(
  who: Person | { email: string },
  input: {
    name: string;
    description?: string;
    kind?: 'personal' | 'service';
    expires_in_days?: number | null;
    service_user_id?: string;
    scopes?: string[];
    allowed_networks?: string[] | null;
  },
): Promise<{ token: ApiToken; secret: string }> {
  const api = await Api.as(who);
  const generated = await api.post<{ token: ApiToken; secret: string }>('/api/tokens', {
    kind: 'personal',
    expires_in_days: 30,
    ...input,
  });
  await api.dispose();
  return generated;
}

/** The row of the token named `name` in the visible list. */
export function tokenRow(page: Page, name: string) {
  return page.getByTestId('token-row').filter({ has: page.getByText(name, { exact: true }) });
}

/** The tokens of a list as the API gives them (`kind=personal` is the signed-in person's own). */
export async function listTokens(
  who: Person | { email: string },
  kind: 'personal' | 'service',
  extra = '',
): Promise<ApiToken[]> {
  const api = await Api.as(who);
  const page = await api.get<{ items: ApiToken[] }>(`/api/tokens?kind=${kind}&limit=100${extra}`);
  await api.dispose();
  return page.items;
}

export function byName(tokens: ApiToken[], name: string): ApiToken {
  const token = tokens.find((t) => t.name === name);
  if (!token) throw new Error(`no token named ${name}`);
  return token;
}

/** The tooltip that is open; one that is closing may still be in the page for a moment. */
export function openTooltip(page: Page) {
  return page.getByRole('tooltip').and(page.locator('[data-state$="-open"]'));
}

/** Press Tab until `target` has the focus, as a keyboard user would reach it. */
export async function tabTo(page: Page, target: ReturnType<Page['locator']>, maxPresses = 80): Promise<void> {
  for (let i = 0; i < maxPresses; i++) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((el) => el === document.activeElement)) return;
  }
  throw new Error('Tab never reached the element');
}

/** A page-load marker: still there after an action means the page was not reloaded. */
export async function markPage(page: Page): Promise<() => Promise<void>> {
  await page.evaluate(() => {
    (window as unknown as { __tesseraMark: boolean }).__tesseraMark = true;
  });
  return async () => {
    expect(
      await page.evaluate(() => (window as unknown as { __tesseraMark?: boolean }).__tesseraMark === true),
      'the page was not reloaded',
    ).toBe(true);
  };
}
