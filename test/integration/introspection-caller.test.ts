import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { setupHarness } from '../support/harness.ts';

// TESSERA_INTROSPECTION_AUTH=caller: RFC 7662 §2.1's caller authentication, with the scope `introspect`.
const h = setupHarness({ env: { TESSERA_INTROSPECTION_AUTH: 'caller' } });

describe('POST /api/introspect with TESSERA_INTROSPECTION_AUTH=caller', () => {
  it('answers a caller whose own token carries introspect, and only them', async () => {
    const admin = await h.session('admin');
    const svc = await h.serviceUser({ name: 'Orders service' });
    const caller = await h.generate(admin, {
      name: 'Resource server',
      kind: 'service',
      service_user_id: svc.id,
      expires_in_days: 30,
      scopes: ['introspect'],
    });
    const full = await h.generate(admin, { name: 'Full', expires_in_days: 30 });
    const asked = await h.generate(admin, { name: 'Asked about', expires_in_days: 30, scopes: ['read_api'] });
    const introspect = (headers: Record<string, string>) =>
      h.request({ url: '/api/introspect', body: { token: asked.secret }, headers });

    const ok = await introspect({ authorization: `Bearer ${caller.secret}` });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ active: true, token_id: asked.token.id, scope: 'read_api' });

    const anonymous = await introspect({});
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().code).toBe('authentication_required');
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer /);

    const withoutScope = await introspect({ authorization: `Bearer ${full.secret}` });
    expect(withoutScope.statusCode).toBe(403);
    expect(withoutScope.json()).toMatchObject({
      code: 'insufficient_scope',
      details: { scopes: ['introspect'] },
    });
    expect(withoutScope.headers['www-authenticate']).toContain('scope="introspect"');

    const bogus = await introspect({ authorization: 'Bearer tsr_svc_nope' });
    expect(bogus.statusCode).toBe(401);
    expect(bogus.json().code).toBe('token_malformed');

    await h.request({ url: `/api/tokens/${caller.token.id}/revoke`, session: admin, body: {} });
    const revoked = await introspect({ authorization: `Bearer ${caller.secret}` });
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().code).toBe('token_revoked');
  });

  it('is off by default: the token in the body is the only credential, as before', async () => {
    expect(loadConfig({}).introspectionAuth).toBe('none');
    expect(() => loadConfig({ TESSERA_INTROSPECTION_AUTH: 'yes' })).toThrow(/TESSERA_INTROSPECTION_AUTH/);
  });
});
