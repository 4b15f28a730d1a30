import { randomUUID } from 'node:crypto';
import { type APIRequestContext, expect, type Page, request as playwrightRequest } from '@playwright/test';
import { E2E_BASE_URL, E2E_PASSWORD, PEOPLE, type Person } from './env.ts';

export { PEOPLE } from './env.ts';

/** Sign the page's browser context in (the cookie lands in the context), without going through the form. */
export async function signIn(page: Page, who: Person | { email: string }): Promise<void> {
  const email = typeof who === 'string' ? PEOPLE[who].email : who.email;
  const response = await page.context().request.post('/api/auth/login', {
    data: { email, password: E2E_PASSWORD },
  });
  expect(response.status(), `sign in as ${email}`).toBe(200);
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
    kind?: 'personal' | 'service';
    expires_in_days?: number | null;
    service_user_id?: string;
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
