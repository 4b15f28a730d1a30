import { SSO_ERROR_PATH } from '../core/sign-in-methods.ts';

// Every console URL in one place, so links and routes cannot drift apart.
export const paths = {
  signIn: '/sign-in',
  /** Where the server sends a refused single sign-on, with `?reason=`. */
  ssoError: SSO_ERROR_PATH,
  personalTokens: '/settings/access-tokens/personal',
  serviceTokens: '/settings/access-tokens/service',
  account: '/settings/account',
  users: '/settings/security/users',
  audit: '/settings/audit-log',
  leakedSecrets: '/settings/security/leaked-secrets',
  tokenPolicy: '/settings/security/token-policy',
  webhooks: '/settings/security/webhooks',
  /** One token's page; the name in its row opens it. */
  token: (kind: 'personal' | 'service', id: string) =>
    `/settings/access-tokens/${kind}/${encodeURIComponent(id)}`,
  scopes: '/settings/security/scopes',
  /** What the arrow in the Service tab opens: Users filtered to one account (SPEC §5). */
  usersFilteredTo: (id: string) => `/settings/security/users?user=${encodeURIComponent(id)}`,
} as const;
