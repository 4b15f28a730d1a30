import { type ScimError as LibraryError, NoTarget, type ScimPatchOperation, scimPatch } from 'scim-patch';
import type { Filter } from 'scim2-parse-filter';
import type { MemberChange, ProvisionedTeam, TeamChange } from '../teams/index.ts';
import { type AttributePath, attributePath, isSchemaKey, pathText, type ResourceKind } from './attributes.ts';
import { invalidPath, invalidSyntax, invalidValue, mutability, noTarget, ScimError } from './errors.ts';
import { parseFilter } from './filter.ts';
import { memberIds, UUID } from './groups.ts';
import { field, isObject, type Json, text } from './users.ts';

// PATCH (RFC 7644 §3.5.2). Operations are read the way providers send them — `op` in any case (Entra
// ID's "Replace"), attribute names in any case and with or without their schema's URN, no `path` with
// the attributes in `value` (Okta's `{"op":"replace","value":{"active":false}}`), dotted and URN keys in
// such a value (Entra ID's `"name.givenName"`) — and turned into operations on single attributes.
// A User's are applied by scim-patch to the User as a document (docs/DECISIONS.md); a Group's members
// are changes to apply in SQL, since a team may hold thousands. Attributes Tessera does not keep are
// passed over.

export type Op = 'add' | 'remove' | 'replace';

/** A path: an attribute, maybe a filter on its values (`emails[type eq "work"]`), maybe a sub-attribute. */
export interface PatchPath {
  attribute: AttributePath;
  /** The filter's text, checked to parse. */
  filter: string | undefined;
  parsed: Filter | undefined;
  sub: string | undefined;
}

export interface Operation {
  op: Op;
  path: PatchPath | undefined;
  value: unknown;
}

/** The most operations one PATCH may hold. */
const MAX_OPERATIONS = 1000;

/** The PatchOp message's operations, each checked for shape (400 invalidSyntax when not one). */
export function readOperations(resource: ResourceKind, body: unknown): Operation[] {
  if (!isObject(body)) throw invalidSyntax('The body must be a JSON object: a PatchOp message.');
  const operations = field(body, 'Operations');
  if (!Array.isArray(operations) || operations.length === 0) {
    throw invalidSyntax('A PatchOp message needs "Operations": a list of at least one operation.');
  }
  if (operations.length > MAX_OPERATIONS) {
    throw invalidSyntax(`A PATCH may hold at most ${MAX_OPERATIONS} operations.`);
  }
  return operations.map((item, index) => {
    if (!isObject(item)) throw invalidSyntax(`Operations[${index}] must be an object.`);
    const op = field(item, 'op');
    const lower = typeof op === 'string' ? op.toLowerCase() : undefined;
    if (lower !== 'add' && lower !== 'remove' && lower !== 'replace') {
      throw invalidSyntax(`Operations[${index}].op must be "add", "remove" or "replace".`);
    }
    const rawPath = field(item, 'path');
    if (rawPath !== undefined && rawPath !== null && typeof rawPath !== 'string') {
      throw invalidPath(`Operations[${index}].path must be a string.`);
    }
    const value = field(item, 'value');
    if (!rawPath) {
      if (lower === 'remove') throw noTarget(`Operations[${index}]: a remove needs a "path".`);
      if (!isObject(value)) {
        throw invalidValue(
          `Operations[${index}]: without a "path", "value" must be an object of attributes.`,
        );
      }
    } else if (lower !== 'remove' && value === undefined) {
      throw invalidValue(`Operations[${index}]: an ${lower} needs a "value".`);
    }
    return { op: lower, path: rawPath ? readPath(resource, rawPath) : undefined, value };
  });
}

/** `attr`, `attr.sub`, `attr[filter]`, `attr[filter].sub`, each with or without a schema URN. */
export function readPath(resource: ResourceKind, text: string): PatchPath {
  const bad = (why: string) => invalidPath(`${JSON.stringify(text.slice(0, 200))} is not a path: ${why}.`);
  if (text.length > 1000) throw bad('it is too long');
  const open = text.indexOf('[');
  let head = text;
  let filter: string | undefined;
  let sub: string | undefined;
  if (open >= 0) {
    head = text.slice(0, open);
    let close = -1;
    let inString = false;
    for (let i = open + 1; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === ']') {
        close = i;
        break;
      }
    }
    if (close < 0) throw bad('its "[" is not closed');
    filter = text.slice(open + 1, close).trim();
    const rest = text.slice(close + 1);
    if (rest !== '' && !/^\.[A-Za-z$][\w$-]*$/.test(rest))
      throw bad(`"${rest.slice(0, 50)}" follows the filter`);
    sub = rest === '' ? undefined : rest.slice(1);
  }
  const attribute = attributePath(resource, head);
  if (!attribute) throw bad('no attribute is named so');
  if (filter !== undefined && attribute.sub !== undefined)
    throw bad('a filter applies to an attribute, not a sub-attribute');
  let parsed: Filter | undefined;
  if (filter !== undefined) {
    try {
      parsed = parseFilter(filter);
    } catch (error) {
      throw bad(error instanceof Error ? error.message : 'its filter does not parse');
    }
  }
  if (sub !== undefined) {
    const known = attributePath(resource, `${attribute.name}.${sub}`);
    sub = known?.sub ?? sub;
  }
  return { attribute, filter, parsed, sub };
}

/**
 * Operations without a path, one per attribute of their value: `{"active": false}` becomes a replace of
 * `active`; a key may itself be a path (`name.givenName`, `urn:…:User:role`), and an extension's object
 * stands for each of its attributes.
 */
function expand(resource: ResourceKind, operations: Operation[]): Operation[] {
  return operations.flatMap((operation) => {
    if (operation.path) return [operation];
    const value = operation.value as Json;
    return Object.entries(value).flatMap(([key, item]) => {
      const urn = isSchemaKey(resource, key);
      if (urn && isObject(item)) {
        return Object.entries(item).map(([sub, subValue]) => ({
          op: operation.op,
          path: readPath(resource, `${urn}:${sub}`),
          value: subValue,
        }));
      }
      return [{ op: operation.op, path: readPath(resource, key), value: item }];
    });
  });
}

/** Attributes no PATCH may change; `id` may be sent with its own value (Okta does). */
function refuseReadOnly(operation: Operation & { path: PatchPath }, id: string, readOnly: string[]): boolean {
  const name = operation.path.attribute.schema ? undefined : operation.path.attribute.name;
  if (name === 'id') {
    if (operation.op !== 'remove' && operation.value === id && !operation.path.sub) return true;
    throw mutability('id is set by Tessera and never changes.');
  }
  if (name && readOnly.includes(name)) {
    throw mutability(
      `${name} is read-only${name === 'groups' ? ": change a person's teams through Groups" : ''}.`,
    );
  }
  return false;
}

const USER_READ_ONLY = ['meta', 'schemas', 'groups'];
/** The User attributes a PATCH changes; the others (a password, phone numbers, the enterprise extension) are passed over. */
const USER_KEPT = new Set(['userName', 'name', 'displayName', 'emails', 'active', 'externalId', 'role']);

/**
 * The User document `document` after `operations`, applied in order by scim-patch; all of them or, on
 * the first that fails, none (the document is a copy).
 */
export function patchUser(document: Json, operations: Operation[]): Json {
  const id = String(document.id);
  const applied: ScimPatchOperation[] = [];
  for (const operation of expand('User', operations)) {
    const path = operation.path!;
    if (refuseReadOnly({ ...operation, path }, id, USER_READ_ONLY)) continue;
    if (!path.attribute.known || !USER_KEPT.has(path.attribute.name)) continue;
    const text = `${pathText(path.attribute)}${path.filter !== undefined ? `[${path.filter}]` : ''}${path.sub ? `.${path.sub}` : ''}`;
    applied.push(
      operation.op === 'remove'
        ? { op: 'remove', path: text, ...(operation.value === undefined ? {} : { value: operation.value }) }
        : { op: operation.op, path: text, value: operation.value },
    );
  }
  try {
    const copy = structuredClone(document) as unknown as Parameters<typeof scimPatch>[0];
    return scimPatch(copy, applied, { mutateDocument: true, treatMissingAsAdd: true }) as unknown as Json;
  } catch (error) {
    if (error instanceof ScimError) throw error;
    const message =
      (error as LibraryError).message?.replace(/^Invalid SCIM Patch: /, '') ?? 'the operation fails';
    if (error instanceof NoTarget) throw noTarget(message);
    throw invalidValue(message);
  }
}

const GROUP_READ_ONLY = ['meta', 'schemas'];

/**
 * A Group's operations as a TeamChange on `current`: its new name and external ID, and the changes to
 * its people in order. A filter on members may only pick members by value (`members[value eq "…"]`).
 */
export function groupChange(current: ProvisionedTeam, operations: Operation[]): TeamChange {
  let name = current.name;
  let externalId = current.external_id;
  const members: MemberChange[] = [];
  for (const operation of expand('Group', operations)) {
    const path = operation.path!;
    if (refuseReadOnly({ ...operation, path }, current.id, GROUP_READ_ONLY)) continue;
    if (!path.attribute.known) continue;
    switch (path.attribute.name) {
      case 'displayName': {
        if (operation.op === 'remove') throw invalidValue("displayName is required: the team's name.");
        const value = text(operation.value, 'displayName', 1000);
        if (!value) throw invalidValue("displayName is required: the team's name.");
        name = value;
        break;
      }
      case 'externalId':
        externalId = operation.op === 'remove' ? null : text(operation.value, 'externalId', 1000);
        break;
      case 'members':
        members.push(...memberChange(operation, path));
        break;
    }
  }
  return { name, external_id: externalId, members };
}

function memberChange(operation: Operation, path: PatchPath): MemberChange[] {
  if (path.parsed) {
    const ids = selectedMembers(path.parsed);
    if (operation.op === 'remove' && path.sub === undefined) return [{ op: 'remove', ids }];
    // A member's sub-attributes (display, $ref) are Tessera's to derive: nothing to change.
    if (path.sub !== undefined) return [];
    throw invalidPath('A filter on members is for removing them; add members with "add" and a list.');
  }
  if (path.attribute.sub !== undefined)
    throw invalidPath('Change members as a whole: "add", "remove" or "replace" on "members".');
  if (operation.op === 'remove') {
    if (operation.value === undefined || operation.value === null) return [{ op: 'replace', ids: [] }];
    return [{ op: 'remove', ids: memberIds(operation.value, 'lenient') }];
  }
  return [{ op: operation.op, ids: memberIds(operation.value ?? [], 'strict') }];
}

/** The IDs a members filter picks: `value eq "…"`, several joined by `or`. */
function selectedMembers(filter: Filter): string[] {
  if (filter.op === 'or') return filter.filters.flatMap(selectedMembers);
  if (
    filter.op === 'eq' &&
    filter.attrPath.toLowerCase() === 'value' &&
    typeof filter.compValue === 'string'
  ) {
    return UUID.test(filter.compValue) ? [filter.compValue.toLowerCase()] : [];
  }
  throw invalidPath('A filter on members picks them by value: members[value eq "<id>"].');
}
