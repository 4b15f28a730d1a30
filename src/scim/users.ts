import { ACCOUNT_NAME_MAX, EMAIL_MAX, EXTERNAL_ID_MAX, type ProvisionedPerson } from '../accounts/index.ts';
import { hasControlCharacters } from '../core/names.ts';
import { ROLES, type Role } from '../core/roles.ts';
import { isSchemaKey } from './attributes.ts';
import { invalidSyntax, invalidValue } from './errors.ts';
import { booleanValue } from './filter.ts';
import type { PersonRow } from './queries.ts';
import { TESSERA_USER_SCHEMA, USER_SCHEMA } from './schemas.ts';

// A person as a SCIM User, and back (docs/SCIM.md, "Attribute mapping"). userName is the email, kept as
// sent and unique without case; the display name is displayName, else name.formatted, else the given
// and family names; active is the opposite of deactivated; the role is in Tessera's extension.
// Attributes Tessera does not keep (the enterprise extension, phone numbers, a password) are accepted
// and ignored.

export type Json = Record<string, unknown>;

/** The value of `name` in `object`, its key compared without case (RFC 7643 §2.1). */
export function field(object: Json, name: string): unknown {
  if (name in object) return object[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(object)) if (key.toLowerCase() === lower) return object[key];
  return undefined;
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string attribute: absent and null are null; anything but a string is refused, naming it. */
export function text(value: unknown, name: string, max: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalidValue(`${name} must be a string.`);
  const trimmed = value.trim();
  if ([...trimmed].length > max) throw invalidValue(`${name} must be at most ${max} characters.`);
  if (hasControlCharacters(trimmed)) throw invalidValue(`${name} must not contain control characters.`);
  return trimmed || null;
}

const joined = (given: string | null, family: string | null) =>
  [given, family].filter(Boolean).join(' ') || null;

/** The display name that Tessera shows, from what a provider sent. */
function displayName(
  display: string | null,
  formatted: string | null,
  given: string | null,
  family: string | null,
) {
  return display ?? formatted ?? joined(given, family);
}

/**
 * The person a User resource describes (POST, PUT, or a PATCH's result). `current` is the person before
 * a replace: what the resource leaves out of `active` and the role stays as it was.
 */
export function personFromResource(body: unknown, current: ProvisionedPerson | undefined): ProvisionedPerson {
  if (!isObject(body)) throw invalidSyntax('The body must be a JSON object: a User resource.');
  const userName = text(field(body, 'userName'), 'userName', EMAIL_MAX);
  if (!userName) throw invalidValue("userName is required: the person's email address.");
  const name = field(body, 'name');
  if (name !== undefined && name !== null && !isObject(name)) throw invalidValue('name must be an object.');
  const given = name ? text(field(name, 'givenName'), 'name.givenName', ACCOUNT_NAME_MAX) : null;
  const family = name ? text(field(name, 'familyName'), 'name.familyName', ACCOUNT_NAME_MAX) : null;
  const formatted = name ? text(field(name, 'formatted'), 'name.formatted', 1000) : null;
  const display = displayName(
    text(field(body, 'displayName'), 'displayName', 1000),
    formatted,
    given,
    family,
  );
  if (display && [...display].length > ACCOUNT_NAME_MAX) {
    throw invalidValue(`displayName must be at most ${ACCOUNT_NAME_MAX} characters.`);
  }
  const active = field(body, 'active');
  return {
    email: userName,
    name: display,
    given_name: given,
    family_name: family,
    external_id: text(field(body, 'externalId'), 'externalId', EXTERNAL_ID_MAX),
    active: active === undefined || active === null ? (current?.active ?? true) : activeValue(active),
    role: roleOf(body) ?? current?.role ?? 'member',
  };
}

function activeValue(value: unknown): boolean {
  try {
    return booleanValue('active', value as string | boolean);
  } catch {
    throw invalidValue('active must be true or false.');
  }
}

/** The role in Tessera's extension, in any case; undefined when the resource does not say. */
function roleOf(body: Json): Role | undefined {
  const key = Object.keys(body).find((k) => isSchemaKey('User', k) === TESSERA_USER_SCHEMA);
  const extension = key === undefined ? undefined : body[key];
  if (extension === undefined || extension === null) return undefined;
  if (!isObject(extension)) throw invalidValue(`${TESSERA_USER_SCHEMA} must be an object.`);
  const role = field(extension, 'role');
  if (role === undefined || role === null) return undefined;
  const lower = typeof role === 'string' ? role.trim().toLowerCase() : undefined;
  if (!lower || !(ROLES as readonly string[]).includes(lower)) {
    throw invalidValue(`${TESSERA_USER_SCHEMA}:role must be one of ${ROLES.join(', ')}.`);
  }
  return lower as Role;
}

/**
 * The name's parts as sent; for a person added in the console, who has a display name only, they are
 * read from it (the last word is the family name), as identity providers expect both.
 */
function nameParts(person: { name: string | null; given_name: string | null; family_name: string | null }) {
  if (person.given_name || person.family_name) {
    return { givenName: person.given_name, familyName: person.family_name };
  }
  const words = person.name?.trim().split(/\s+/) ?? [];
  if (words.length < 2) return { givenName: words[0] ?? null, familyName: null };
  return { givenName: words.slice(0, -1).join(' '), familyName: words.at(-1)! };
}

const withoutNulls = (object: Json): Json =>
  Object.fromEntries(Object.entries(object).filter(([, value]) => value !== null && value !== undefined));

/**
 * The document a PATCH is applied to: the attributes Tessera keeps, as a provider would send them. A
 * display name made of the given and family names is left out, so that it follows them when they change.
 */
export function userDocument(id: string, person: ProvisionedPerson): Json {
  const derived = person.name !== null && person.name === joined(person.given_name, person.family_name);
  return withoutNulls({
    schemas: [USER_SCHEMA, TESSERA_USER_SCHEMA],
    id,
    externalId: person.external_id,
    userName: person.email,
    name: withoutNulls({ givenName: person.given_name, familyName: person.family_name }),
    displayName: derived ? null : person.name,
    emails: [{ value: person.email, type: 'work', primary: true }],
    active: person.active,
    [TESSERA_USER_SCHEMA]: { role: person.role },
  });
}

export function userLocation(base: string, id: string): string {
  return `${base}/Users/${id}`;
}

/** A person as a SCIM User resource. */
export function userResource(row: PersonRow, base: string): Json {
  const parts = nameParts(row);
  const formatted = [parts.givenName, parts.familyName].filter(Boolean).join(' ') || row.name;
  return withoutNulls({
    schemas: [USER_SCHEMA, TESSERA_USER_SCHEMA],
    id: row.id,
    externalId: row.external_id,
    userName: row.email,
    name: withoutNulls({ formatted, ...parts }),
    displayName: row.name,
    emails: [{ value: row.email, type: 'work', primary: true }],
    active: row.deactivated_at === null,
    groups: row.teams.map((team) => ({
      value: team.id,
      $ref: `${base}/Groups/${team.id}`,
      display: team.name,
      type: 'direct',
    })),
    [TESSERA_USER_SCHEMA]: { role: row.role },
    meta: {
      resourceType: 'User',
      created: row.created_at.toISOString(),
      lastModified: row.updated_at.toISOString(),
      location: userLocation(base, row.id),
    },
  });
}
