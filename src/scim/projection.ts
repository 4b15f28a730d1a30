import { attributePath, isSchemaKey, pathText, type ResourceKind } from './attributes.ts';
import { invalidValue } from './errors.ts';
import { isObject, type Json } from './users.ts';

// `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5): which attributes a response holds. `id` and
// `schemas` are always returned. Names Tessera does not know are passed over, as the RFC allows.

export interface Projection {
  /** Lowercased paths; undefined: every attribute returned by default. */
  only: Set<string> | undefined;
  except: Set<string>;
}

const ALWAYS = new Set(['id', 'schemas']);

function paths(resource: ResourceKind, list: string | undefined, name: string): Set<string> | undefined {
  if (list === undefined) return undefined;
  if (list.length > 2000) throw invalidValue(`${name} may be at most 2000 characters long.`);
  const found = new Set<string>();
  for (const item of list.split(',')) {
    const trimmed = item.trim();
    if (!trimmed) continue;
    const urn = isSchemaKey(resource, trimmed);
    const path = urn ? undefined : attributePath(resource, trimmed);
    if (urn) found.add(urn.toLowerCase());
    else if (path) found.add(pathText(path).toLowerCase());
  }
  return found;
}

export function readProjection(
  resource: ResourceKind,
  query: { attributes?: string | undefined; excludedAttributes?: string | undefined },
): Projection {
  return {
    only: paths(resource, query.attributes, 'attributes'),
    except: paths(resource, query.excludedAttributes, 'excludedAttributes') ?? new Set(),
  };
}

/** Whether the response holds `name` (a top-level attribute): a members list need not be read if not. */
export function includes(projection: Projection, name: string): boolean {
  const lower = name.toLowerCase();
  if (projection.except.has(lower)) return false;
  if (!projection.only) return true;
  return [...projection.only].some((path) => path === lower || path.startsWith(`${lower}.`));
}

/** `resource` with only the attributes the projection asks for. */
export function project(resource: Json, projection: Projection): Json {
  if (!projection.only && projection.except.size === 0) return resource;
  const result: Json = {};
  for (const [key, value] of Object.entries(resource)) {
    const lower = key.toLowerCase();
    if (ALWAYS.has(lower)) {
      result[key] = value;
      continue;
    }
    // An extension's object: its attributes are `urn:…:name`.
    const separator = lower.startsWith('urn:') ? ':' : '.';
    const kept = keep(lower, value, projection, separator);
    if (kept !== undefined) result[key] = kept;
  }
  return result;
}

function keep(path: string, value: unknown, projection: Projection, separator: string): unknown {
  if (projection.except.has(path)) return undefined;
  const wanted = projection.only;
  const whole = !wanted || wanted.has(path);
  const subsWanted = wanted ? [...wanted].filter((p) => p.startsWith(`${path}${separator}`)) : [];
  const subsExcluded = [...projection.except].filter((p) => p.startsWith(`${path}${separator}`));
  if (!whole && subsWanted.length === 0) return undefined;
  if (whole && subsExcluded.length === 0) return value;
  const pick = (item: unknown) => {
    if (!isObject(item)) return item;
    const out: Json = {};
    for (const [key, sub] of Object.entries(item)) {
      const subPath = `${path}${separator}${key.toLowerCase()}`;
      if (subsExcluded.includes(subPath)) continue;
      if (whole || subsWanted.includes(subPath)) out[key] = sub;
    }
    return out;
  };
  return Array.isArray(value) ? value.map(pick) : pick(value);
}
