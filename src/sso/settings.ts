import { z } from 'zod';
import { ROLES } from '../core/roles.ts';

/**
 * `TESSERA_OIDC_GROUP_MAPPING`: for each group name the provider may send, the role and the teams (by
 * name) it gives. docs/SSO.md explains how it is applied.
 */
export const GroupMapping = z.record(
  z.string().min(1).max(1000),
  z.strictObject({
    role: z.enum(ROLES).optional(),
    teams: z.array(z.string().trim().min(1).max(100)).max(100).optional(),
  }),
);
export type GroupMapping = z.infer<typeof GroupMapping>;

/** Single sign-on as configured (docs/CONFIGURATION.md); present only when the issuer is set. */
export interface SsoSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** TESSERA_PUBLIC_URL without a trailing slash: the redirect URI and the sign-out return are under it. */
  publicUrl: string;
  scopes: string;
  buttonLabel: string;
  autoCreate: boolean;
  groupsClaim: string | undefined;
  groupMapping: GroupMapping | undefined;
}

export const CALLBACK_PATH = '/api/auth/oidc/callback';

export function redirectUri(settings: Pick<SsoSettings, 'publicUrl'>): string {
  return `${settings.publicUrl}${CALLBACK_PATH}`;
}

/** Plain http is for a provider on this machine only (a trial, the tests); anywhere else it is refused. */
export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}
