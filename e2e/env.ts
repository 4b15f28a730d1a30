// Known values shared by the test server (e2e/server.ts) and the tests. The demo people all share the
// first admin's password (src/bootstrap/demo-workspace.ts).
export const E2E_PORT = Number(process.env.TESSERA_E2E_PORT ?? 8787);
export const E2E_BASE_URL = `http://127.0.0.1:${E2E_PORT}`;
export const E2E_ADMIN_EMAIL = 'admin@tessera.test';
export const E2E_PASSWORD = 'e2e-correct-horse-battery';

/** The demo workspace's people, one per role (and one without tokens). */
export const PEOPLE = {
  admin: { email: E2E_ADMIN_EMAIL, name: 'Alex Rivera' },
  manager: { email: 'maya.chen@example.com', name: 'Maya Chen' },
  member: { email: 'sam.okafor@example.com', name: 'Sam Okafor' },
  /** A member with no token at all: the empty list. */
  newcomer: { email: 'priya.nair@example.com', name: 'Priya Nair' },
} as const;

export type Person = keyof typeof PEOPLE;
