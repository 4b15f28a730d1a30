import { describe, expect, it } from 'vitest';
import { START, setupHarness } from '../support/harness.ts';

// Issue #29 item 3: every answer a token authenticated says when that token expires, as an RFC 9110
// HTTP date, so that clients can warn; a token that never expires gets no header.
const h = setupHarness();
const HEADER = 'tessera-token-expiration';
const IMF_FIXDATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

describe('Tessera-Token-Expiration', () => {
  it('is the expiry of the token, as an HTTP date, on API answers, /api/me and /auth/check', async () => {
    const session = await h.session('member');
    const { token, secret } = await h.generate(session, { name: 'Thirty days', expires_in_days: 30 });
    const expected = new Date(token.expires_at!);
    for (const url of ['/api/me', '/api/tokens?kind=personal', '/auth/check']) {
      const response = await h.request({ url, token: secret });
      expect(response.statusCode, `${url}: ${response.body}`).toBe(200);
      const value = response.headers[HEADER] as string;
      expect(value, url).toMatch(IMF_FIXDATE);
      // HTTP dates have whole seconds.
      expect(new Date(value).getTime(), url).toBe(Math.floor(expected.getTime() / 1000) * 1000);
      expect(new Date(value).getTime()).toBeGreaterThan(START.getTime() + 29 * 86_400_000);
    }
    // A second request, served by the verification cache, says the same.
    const again = await h.request({ url: '/api/me', token: secret });
    expect(again.headers[HEADER]).toBe(new Date(Math.floor(expected.getTime() / 1000) * 1000).toUTCString());
  });

  it('is on a refusal by the route too: the token did authenticate the request', async () => {
    const session = await h.session('member');
    const { secret } = await h.generate(session, { name: 'Member', expires_in_days: 7 });
    const refused = await h.request({ url: '/api/tokens?kind=service', token: secret });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers[HEADER]).toMatch(IMF_FIXDATE);
    const invalid = await h.request({ url: '/api/tokens?kind=nonsense', token: secret });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.headers[HEADER]).toMatch(IMF_FIXDATE);
  });

  it('is absent for a token that never expires', async () => {
    const session = await h.session('member');
    const { secret } = await h.generate(session, { name: 'Forever', expires_in_days: null });
    for (const url of ['/api/me', '/api/tokens?kind=personal', '/auth/check']) {
      const response = await h.request({ url, token: secret });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers, url).not.toHaveProperty(HEADER);
    }
  });

  it('is absent where no token authenticated: a session, a refused token, a public route', async () => {
    const session = await h.session('member');
    const { secret } = await h.generate(session, { name: 'Soon', expires_in_days: 1 });
    const bySession = await h.request({ url: '/api/me', session });
    expect(bySession.statusCode).toBe(200);
    expect(bySession.headers).not.toHaveProperty(HEADER);
    h.clock.advance(2 * 86_400_000);
    const expired = await h.request({ url: '/api/me', token: secret });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().code).toBe('token_expired');
    expect(expired.headers).not.toHaveProperty(HEADER);
    const health = await h.request({ url: '/healthz', token: secret });
    expect(health.headers).not.toHaveProperty(HEADER);
  });
});
