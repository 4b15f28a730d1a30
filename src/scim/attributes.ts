import { GROUP_SCHEMA, TESSERA_USER_SCHEMA, USER_SCHEMA } from './schemas.ts';

// Attribute names are case-insensitive (RFC 7643 §2.1) and may carry their schema's URN
// (`urn:ietf:params:scim:schemas:core:2.0:User:userName`). Filters, PATCH paths and `attributes` all
// name attributes; here each is turned into the one spelling Tessera's resources use.

export type ResourceKind = 'User' | 'Group';

export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** Each known attribute, by its lowercased name, as spelled; sub-attributes of complex ones likewise. */
interface Known {
  name: string;
  subs?: Record<string, string>;
}

const spelled = (...names: string[]) => Object.fromEntries(names.map((name) => [name.toLowerCase(), name]));
const known = (name: string, ...subs: string[]): [string, Known] => [
  name.toLowerCase(),
  { name, ...(subs.length > 0 ? { subs: spelled(...subs) } : {}) },
];

const META = known('meta', 'resourceType', 'created', 'lastModified', 'location', 'version');

const CORE: Record<ResourceKind, Record<string, Known>> = {
  User: Object.fromEntries([
    known('id'),
    known('schemas'),
    known('externalId'),
    known('userName'),
    known('name', 'formatted', 'givenName', 'familyName', 'middleName', 'honorificPrefix', 'honorificSuffix'),
    known('displayName'),
    known('emails', 'value', 'type', 'primary', 'display'),
    known('active'),
    known('password'),
    known('groups', 'value', 'display', '$ref', 'type'),
    META,
  ]),
  Group: Object.fromEntries([
    known('id'),
    known('schemas'),
    known('externalId'),
    known('displayName'),
    known('members', 'value', 'display', '$ref', 'type'),
    META,
  ]),
};

const EXTENSIONS: Record<
  ResourceKind,
  Record<string, { urn: string; attributes: Record<string, string> }>
> = {
  User: {
    [TESSERA_USER_SCHEMA.toLowerCase()]: { urn: TESSERA_USER_SCHEMA, attributes: spelled('role') },
    [ENTERPRISE_USER_SCHEMA.toLowerCase()]: { urn: ENTERPRISE_USER_SCHEMA, attributes: {} },
  },
  Group: {},
};

const CORE_URN: Record<ResourceKind, string> = { User: USER_SCHEMA, Group: GROUP_SCHEMA };

/**
 * An attribute path: `schema` is an extension's URN (undefined for the core schema), `name` the
 * attribute, `sub` its sub-attribute. Known names are spelled as Tessera spells them; unknown ones are
 * kept as sent, and `known` says which.
 */
export interface AttributePath {
  schema: string | undefined;
  name: string;
  sub: string | undefined;
  known: boolean;
}

/** `urn:…:User:name.givenName` → the URN and `name.givenName`; a path without a URN → undefined and itself. */
function splitSchema(resource: ResourceKind, text: string): { urn: string | undefined; rest: string } {
  const lower = text.toLowerCase();
  if (!lower.startsWith('urn:')) return { urn: undefined, rest: text };
  for (const urn of [CORE_URN[resource], ...Object.keys(EXTENSIONS[resource])]) {
    const prefix = `${urn.toLowerCase()}:`;
    if (lower.startsWith(prefix)) return { urn: urn.toLowerCase(), rest: text.slice(prefix.length) };
  }
  // An extension Tessera does not know: its attribute is what follows the last colon.
  const colon = text.lastIndexOf(':');
  return { urn: text.slice(0, colon), rest: text.slice(colon + 1) };
}

/** Parses `name`, `name.sub` or either with a schema URN; undefined for what is not an attribute path. */
export function attributePath(resource: ResourceKind, text: string): AttributePath | undefined {
  const { urn, rest } = splitSchema(resource, text);
  const parts = rest.split('.');
  if (parts.length > 2 || parts.some((part) => !/^\$?[A-Za-z][\w-]*$/.test(part))) return undefined;
  const [name, sub] = parts as [string, string | undefined];
  if (urn === undefined || urn === CORE_URN[resource].toLowerCase()) {
    const core = CORE[resource][name.toLowerCase()];
    if (!core) return { schema: undefined, name, sub, known: false };
    if (sub === undefined) return { schema: undefined, name: core.name, sub: undefined, known: true };
    const subName = core.subs?.[sub.toLowerCase()];
    return { schema: undefined, name: core.name, sub: subName ?? sub, known: subName !== undefined };
  }
  const extension = EXTENSIONS[resource][urn.toLowerCase()];
  if (!extension) return { schema: urn, name, sub, known: false };
  const attribute = extension.attributes[name.toLowerCase()];
  return {
    schema: extension.urn,
    name: attribute ?? name,
    sub,
    known: attribute !== undefined && sub === undefined,
  };
}

/** The path as one string, in Tessera's spelling: `name.givenName`, `urn:…:tessera:2.0:User:role`. */
export function pathText(path: AttributePath): string {
  const dotted = path.sub === undefined ? path.name : `${path.name}.${path.sub}`;
  return path.schema ? `${path.schema}:${dotted}` : dotted;
}

/** Whether the key of a resource object is that extension's URN, in any case. */
export function isSchemaKey(resource: ResourceKind, key: string): string | undefined {
  return EXTENSIONS[resource][key.toLowerCase()]?.urn;
}
