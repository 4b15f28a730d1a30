import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { PASSWORD, setupHarness } from '../support/harness.ts';

// Issue #19 item 1: whatever account name, email and team names the API accepts, /auth/check answers 200
// with header values a proxy passes on (visible ASCII and SP only) that decode back to the names. Before,
// a team named outside Latin-1 made Node throw ERR_INVALID_CHAR: a 500 for every member of the team.
const h = setupHarness({
  env: { TESSERA_AUTH_FAILURES_PER_ADDRESS: '0', TESSERA_SIGN_IN_FAILURES_PER_ADDRESS: '0' },
});
const RUNS = Number(process.env.TESSERA_FUZZ_RUNS ?? 25);

const VALID = /^(?:[!-~](?:[ -~]*[!-~])?)?$/;

// Names people type, and characters that break naive header code: Latin-1 and beyond, `%` and `,`,
// quotes, emoji, combining marks, bidi and zero-width marks, a lone surrogate, spaces.
const tricky = fc.constantFrom(
  'É',
  'é',
  'ß',
  'ÿ',
  '日本',
  'Données',
  '%',
  '%41',
  ',',
  ' ',
  '"',
  "'",
  ';',
  '\\',
  '🔑',
  'e\u0301',
  '\u202e',
  '\u200b',
  '\ufeff',
  '\ud800',
  '\u00a0',
  'a',
  'Z',
  '9',
);
const char = fc.oneof(tricky, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
const name = fc.oneof(
  fc.string({ unit: char, minLength: 1, maxLength: 30 }),
  fc.constantFrom('Équipe Données 日本', 'Sales, EMEA', '100% Ops', ' padded ', 'Data Platform'),
);
// Emails the API accepts are ASCII today (mostly drawn from its own pattern, so that most runs get past
// validation); whatever it accepts must still round-trip.
const email = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.stringMatching(
      /^([A-Za-z0-9_'+-]{1,8}\.)?[A-Za-z0-9_'+-]{0,11}[A-Za-z0-9_+-]@[a-z0-9][a-z0-9-]{0,9}\.[a-z]{2,6}$/,
    ),
  },
  fc.emailAddress(),
  fc.constantFrom("o'brien+ops@example.com", 'a%b@example.com'),
);

function expectValidHeaders(response: LightMyRequestResponse, what: string) {
  expect(response.statusCode, `${what}: ${response.body}`).toBe(200);
  for (const [field, value] of Object.entries(response.headers)) {
    if (!field.startsWith('x-tessera-')) continue;
    expect(typeof value, `${what}: ${field}`).toBe('string');
    expect(value as string, `${what}: ${field}`).toMatch(VALID);
  }
}

/** Each comma-separated item decoded, as docs/PROXIES.md tells an upstream to. */
const decodedList = (value: string) => (value === '' ? [] : value.split(',').map(decodeURIComponent));

let unique = 0;
let accepted = 0;

describe('identity headers for any name the API accepts', () => {
  it('a service user in teams of any names, with or without an email', async () => {
    const admin = await h.session('admin');
    await fc.assert(
      fc.asyncProperty(
        fc.array(name, { minLength: 1, maxLength: 3 }),
        name,
        fc.option(email),
        async (teamNames, accountName, accountEmail) => {
          unique++;
          const teams = new Map<string, string>();
          for (const teamName of teamNames) {
            const created = await h.request({ url: '/api/teams', session: admin, body: { name: teamName } });
            expect(created.statusCode, created.body).toBeLessThan(500);
            if (created.statusCode === 201) teams.set(created.json().id, created.json().name);
          }
          const svc = await h.request({
            url: '/api/service-users',
            session: admin,
            body: {
              name: accountName,
              internal_id: `svc-${unique}`,
              email: accountEmail === null ? null : `u${unique}.${accountEmail}`,
              team_ids: [...teams.keys()],
            },
          });
          expect(svc.statusCode, svc.body).toBeLessThan(500);
          if (svc.statusCode !== 201) return;
          accepted++;
          const account = svc.json();
          const { secret } = await h.generate(admin, {
            name: 'Headers',
            kind: 'service',
            service_user_id: account.id,
          });
          const response = await h.request({ url: '/auth/check', token: secret });
          const what = JSON.stringify({ teamNames, accountName, accountEmail });
          expectValidHeaders(response, what);
          const headers = response.headers as Record<string, string>;
          expect(decodeURIComponent(headers['x-tessera-user']!), what).toBe(
            account.email ?? account.internal_id,
          );
          const ids = decodedList(headers['x-tessera-team-ids']!);
          const names = decodedList(headers['x-tessera-teams']!);
          expect(names, what).toHaveLength(ids.length);
          const publicTeam = ids.find((id) => !teams.has(id));
          const expected = new Map(teams);
          if (publicTeam) expected.set(publicTeam, 'Public');
          expect(new Map(ids.map((id, i) => [id, names[i]])), what).toEqual(expected);
        },
      ),
      { numRuns: RUNS },
    );
    // The property says something only if the API accepted most of what was generated.
    expect(accepted).toBeGreaterThan(RUNS / 2);
  });

  it('a person of any name and email', async () => {
    const admin = await h.session('admin');
    await fc.assert(
      fc.asyncProperty(name, email, async (personName, personEmail) => {
        unique++;
        const created = await h.request({
          url: '/api/users',
          session: admin,
          body: { name: personName, email: `p${unique}.${personEmail}`, password: PASSWORD },
        });
        expect(created.statusCode, created.body).toBeLessThan(500);
        if (created.statusCode !== 201) return;
        const { account } = created.json();
        const session = await h.signIn(account);
        const { secret } = await h.generate(session, { name: 'Mine' });
        const response = await h.request({ url: '/auth/check', token: secret });
        const what = JSON.stringify({ personName, personEmail });
        expectValidHeaders(response, what);
        expect(decodeURIComponent(response.headers['x-tessera-user'] as string), what).toBe(account.email);
      }),
      { numRuns: RUNS },
    );
  });

  it('the team of the issue: Équipe Données 日本, percent-encoded, and Public as it was', async () => {
    const admin = await h.session('admin');
    const team = (
      await h.request({ url: '/api/teams', session: admin, body: { name: 'Équipe Données 日本' } })
    ).json();
    const svc = await h.serviceUser();
    await h.request({
      method: 'PATCH',
      url: `/api/users/${svc.id}`,
      session: admin,
      body: { team_ids: [team.id] },
    });
    const { secret } = await h.generate(admin, { name: 'Unicode', kind: 'service', service_user_id: svc.id });
    const response = await h.request({ url: '/auth/check', token: secret });
    expect(response.statusCode, response.body).toBe(200);
    // Ordered by name, in the database's collation: compared as sets, with each ID at its name's place.
    const teams = (response.headers['x-tessera-teams'] as string).split(',');
    expect([...teams].sort()).toEqual(['%C3%89quipe Donn%C3%A9es %E6%97%A5%E6%9C%AC', 'Public']);
    const ids = (response.headers['x-tessera-team-ids'] as string).split(',');
    expect(ids[teams.indexOf('%C3%89quipe Donn%C3%A9es %E6%97%A5%E6%9C%AC')]).toBe(team.id);
  });
});
