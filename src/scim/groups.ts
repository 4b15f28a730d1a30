import { invalidSyntax, invalidValue } from './errors.ts';
import type { TeamRow } from './queries.ts';
import { GROUP_SCHEMA } from './schemas.ts';
import { field, isObject, type Json, text, userLocation } from './users.ts';

// A team as a SCIM Group, and back. Its members are people; service users in a team are Tessera's own
// and are neither listed nor touched.

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A team as a provider describes it (POST, PUT): its name, external ID and people. */
export interface GroupInput {
  name: string;
  external_id: string | null;
  /** Undefined: the resource does not say (its members stay as they are). */
  member_ids: string[] | undefined;
}

export function groupFromResource(body: unknown): GroupInput {
  if (!isObject(body)) throw invalidSyntax('The body must be a JSON object: a Group resource.');
  const name = text(field(body, 'displayName'), 'displayName', 1000);
  if (!name) throw invalidValue("displayName is required: the team's name.");
  const members = field(body, 'members');
  return {
    name,
    external_id: text(field(body, 'externalId'), 'externalId', 1000),
    member_ids: members === undefined || members === null ? undefined : memberIds(members, 'strict'),
  };
}

/**
 * The people a `members` value names: an array of `{ "value": id }` (or one such object). An ID that is
 * no UUID names nobody: refused when adding (`strict`), passed over when removing.
 */
export function memberIds(value: unknown, mode: 'strict' | 'lenient'): string[] {
  const items = Array.isArray(value) ? value : [value];
  const ids: string[] = [];
  for (const item of items) {
    const id = isObject(item) ? field(item, 'value') : undefined;
    if (typeof id !== 'string')
      throw invalidValue('Each member must be an object with the user\'s id as "value".');
    if (UUID.test(id)) ids.push(id.toLowerCase());
    else if (mode === 'strict')
      throw invalidValue(`members: No user has the ID ${JSON.stringify(id.slice(0, 100))}.`);
  }
  return ids;
}

export function groupLocation(base: string, id: string): string {
  return `${base}/Groups/${id}`;
}

/** A team as a SCIM Group resource; `members` undefined when the caller excluded them. */
export function groupResource(
  row: TeamRow,
  members: { id: string; email: string | null; name: string | null }[] | undefined,
  base: string,
): Json {
  return {
    schemas: [GROUP_SCHEMA],
    id: row.id,
    ...(row.external_id ? { externalId: row.external_id } : {}),
    displayName: row.name,
    ...(members
      ? {
          members: members.map((member) => ({
            value: member.id,
            $ref: userLocation(base, member.id),
            display: member.name ?? member.email,
            type: 'User',
          })),
        }
      : {}),
    meta: {
      resourceType: 'Group',
      created: row.created_at.toISOString(),
      lastModified: row.updated_at.toISOString(),
      location: groupLocation(base, row.id),
    },
  };
}
