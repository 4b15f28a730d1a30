import type { LightMyRequestResponse } from 'fastify';
import type { Harness, Session } from './harness.ts';

export const SCIM_TYPE = 'application/scim+json';

export interface ScimClient {
  /** The SCIM-only token's secret. */
  secret: string;
  /** The service user the token belongs to: the actor of every change it makes. */
  serviceUser: { id: string; internal_id: string | null };
  admin: Session;
  call(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<LightMyRequestResponse>;
}

/**
 * An identity provider's credential, as docs/SCIM.md has an Admin make it: a service user (a Member, to
 * show that the token's scope, not its owner's role, admits it) and a SCIM-only service token of it.
 */
export async function scimClient(h: Harness, options: { secret?: string } = {}): Promise<ScimClient> {
  const admin = await h.session('admin');
  const serviceUser = await h.serviceUser({
    name: 'Okta SCIM',
    internal_id: `svc-scim-${Math.random().toString(36).slice(2, 8)}`,
  });
  const secret =
    options.secret ??
    (
      await h.generate(admin, {
        name: 'SCIM',
        kind: 'service',
        service_user_id: serviceUser.id,
        scopes: ['scim'],
      })
    ).secret;
  return {
    secret,
    serviceUser,
    admin,
    call: (method, path, body) => scimCall(h, secret, method, path, body),
  };
}

export function scimCall(
  h: Harness,
  secret: string,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  contentType = SCIM_TYPE,
): Promise<LightMyRequestResponse> {
  return h.app.inject({
    method,
    url: `/scim/v2${path}`,
    headers: {
      authorization: `Bearer ${secret}`,
      accept: SCIM_TYPE,
      ...(body === undefined ? {} : { 'content-type': contentType }),
    },
    ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

/** A SCIM error body (RFC 7644 §3.12), checked for shape. */
export function scimError(response: LightMyRequestResponse): {
  status: string;
  scimType?: string;
  detail: string;
} {
  const body = response.json();
  if (!Array.isArray(body.schemas) || body.schemas[0] !== 'urn:ietf:params:scim:api:messages:2.0:Error') {
    throw new Error(`not a SCIM error: ${response.body}`);
  }
  if (body.status !== String(response.statusCode))
    throw new Error(`status ${body.status} is not ${response.statusCode}`);
  if (typeof body.detail !== 'string' || body.detail === '') throw new Error(`no detail: ${response.body}`);
  return body;
}
