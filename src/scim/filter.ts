import { type RawBuilder, sql } from 'kysely';
import { type Filter, parse } from 'scim2-parse-filter';
import { hasControlCharacters } from '../core/names.ts';
import { attributePath, pathText, type ResourceKind } from './attributes.ts';
import { invalidFilter } from './errors.ts';

// `filter=` (RFC 7644 §3.4.2.2) as a condition in SQL: scim2-parse-filter reads the text into a tree
// (docs/DECISIONS.md), and each comparison becomes one over the column it names, in the form its index
// serves. Nothing is filtered in memory. Before the parser sees a filter it is held to limits, so that
// a hostile one is refused at once: the parser's tokenizer backtracks badly on some unterminated strings
// and recurses once per parenthesis.

export const FILTER_MAX_LENGTH = 2000;
/** Parentheses and brackets, nested. */
const MAX_DEPTH = 16;
/** Comparisons in one filter. */
const MAX_COMPARISONS = 50;

type Condition = RawBuilder<boolean>;
type Compare = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
type Value = string | number | boolean | null;

/** How one attribute is compared in SQL. */
export type Column =
  /** Text: `caseExact` as RFC 7643 says of it; `search` names a trigram-indexed text that contains it. */
  | { type: 'string'; sql: RawBuilder<unknown>; caseExact: boolean; search?: RawBuilder<unknown> }
  | { type: 'date'; sql: RawBuilder<unknown> }
  /** A boolean kept as a condition (`active`: not deactivated). */
  | { type: 'boolean'; isTrue: Condition }
  /** A value every resource has the same of (an email's `type` is always "work"). */
  | { type: 'constant'; value: string | boolean }
  /** A UUID column, compared with eq and ne only. */
  | { type: 'id'; sql: RawBuilder<unknown> }
  /** Membership: whether the resource is linked to the resource with this id (members, groups). */
  | { type: 'link'; has: (id: string) => Condition; any: Condition };

export type Columns = Record<string, Column>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The parsed filter, or 400 invalidFilter: over the limits, control characters, not a filter. Every
 * check before the parser is linear in the length.
 */
export function parseFilter(text: string): Filter {
  if (text.length > FILTER_MAX_LENGTH) {
    throw invalidFilter(`A filter may be at most ${FILTER_MAX_LENGTH} characters long.`);
  }
  if (hasControlCharacters(text)) throw invalidFilter('A filter must not contain control characters.');
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '(' || c === '[') {
      depth++;
      if (depth > MAX_DEPTH)
        throw invalidFilter(`A filter may nest at most ${MAX_DEPTH} levels of parentheses.`);
    } else if (c === ')' || c === ']') depth--;
  }
  let filter: Filter;
  try {
    filter = parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message.slice(0, 120) : 'it does not parse';
    throw invalidFilter(`Not a filter (RFC 7644 §3.4.2.2): ${reason}`);
  }
  if (countComparisons(filter) > MAX_COMPARISONS) {
    throw invalidFilter(`A filter may hold at most ${MAX_COMPARISONS} comparisons.`);
  }
  return filter;
}

function countComparisons(filter: Filter): number {
  switch (filter.op) {
    case 'and':
    case 'or':
      return filter.filters.reduce((sum, f) => sum + countComparisons(f), 0);
    case 'not':
      return countComparisons(filter.filter);
    case '[]':
      return countComparisons(filter.valFilter);
    default:
      return 1;
  }
}

/**
 * The filter as a condition over `columns`, keyed by attribute path in Tessera's spelling
 * (`userName`, `emails.value`, `urn:…:tessera:2.0:User:role`). `not` is pushed down to the
 * comparisons, so that each keeps the indexable form and an attribute without a value matches `ne`
 * and `not (… eq …)`, as two-valued logic would have it.
 */
export function filterCondition(resource: ResourceKind, filter: Filter, columns: Columns): Condition {
  return compile(resource, filter, columns, false, undefined);
}

function compile(
  resource: ResourceKind,
  filter: Filter,
  columns: Columns,
  negated: boolean,
  within: string | undefined,
): Condition {
  switch (filter.op) {
    case 'and':
    case 'or': {
      const parts = filter.filters.map((f) => compile(resource, f, columns, negated, within));
      const joinWith = (filter.op === 'and') !== negated ? sql` and ` : sql` or `;
      return sql<boolean>`(${sql.join(parts, joinWith)})`;
    }
    case 'not':
      return compile(resource, filter.filter, columns, !negated, within);
    case '[]': {
      if (within) throw invalidFilter('A value filter cannot hold another one.');
      // Each of Tessera's multi-valued attributes compares as one value (a person's one email) or as a
      // link (a team's members), so a condition on an element is a condition on the attribute's subs.
      return compile(resource, filter.valFilter, columns, negated, filter.attrPath);
    }
    default: {
      const attribute = within ? `${within}.${filter.attrPath}` : filter.attrPath;
      const column = columnOf(resource, attribute, columns);
      if (filter.op === 'pr') return present(column, negated);
      return comparison(attribute, column, filter.op, filter.compValue, negated);
    }
  }
}

function columnOf(resource: ResourceKind, text: string, columns: Columns): Column {
  const path = attributePath(resource, text);
  // A multi-valued attribute compared as a whole is its `value` (RFC 7644 §3.4.2.2).
  const key =
    path && path.sub === undefined && columns[`${path.name}.value`] ? `${path.name}.value` : undefined;
  const column = path?.known || key ? columns[key ?? pathText(path!)] : undefined;
  if (!column) {
    throw invalidFilter(
      `Tessera cannot filter ${resource}s on ${JSON.stringify(text.slice(0, 100))}; filterable: ${Object.keys(columns).join(', ')}.`,
    );
  }
  return column;
}

const TRUE = sql<boolean>`true`;
const FALSE = sql<boolean>`false`;
const constant = (value: boolean): Condition => (value ? TRUE : FALSE);

function present(column: Column, negated: boolean): Condition {
  switch (column.type) {
    case 'string':
    case 'date':
    case 'id':
      return negated ? sql<boolean>`(${column.sql} is null)` : sql<boolean>`(${column.sql} is not null)`;
    case 'boolean':
    case 'constant':
      return constant(!negated);
    case 'link':
      return negated ? sql<boolean>`not ${column.any}` : column.any;
  }
}

/** `%`, `_` and `\` match themselves in a LIKE pattern. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

const OPPOSITE: Record<Compare, Compare> = {
  eq: 'ne',
  ne: 'eq',
  co: 'co',
  sw: 'sw',
  ew: 'ew',
  gt: 'le',
  ge: 'lt',
  lt: 'ge',
  le: 'gt',
};

const SQL_OPERATOR: Record<'gt' | 'ge' | 'lt' | 'le', RawBuilder<unknown>> = {
  gt: sql.raw('>'),
  ge: sql.raw('>='),
  lt: sql.raw('<'),
  le: sql.raw('<='),
};

function comparison(
  attribute: string,
  column: Column,
  op: Compare,
  value: Value,
  negated: boolean,
): Condition {
  const name = JSON.stringify(attribute.slice(0, 100));
  switch (column.type) {
    case 'constant': {
      const matches = compareConstant(name, column.value, op, value);
      return constant(matches !== negated);
    }
    case 'boolean': {
      if (op !== 'eq' && op !== 'ne')
        throw invalidFilter(`${name} is true or false: compare it with eq or ne.`);
      const wanted = booleanValue(name, value);
      return ((op === 'eq') !== negated) === wanted ? column.isTrue : sql<boolean>`not ${column.isTrue}`;
    }
    case 'id': {
      if (op !== 'eq' && op !== 'ne') throw invalidFilter(`${name} is compared with eq or ne.`);
      if (typeof value !== 'string') throw invalidFilter(`${name} is compared with a string.`);
      const equal = (op === 'eq') !== negated;
      if (!UUID.test(value)) return constant(!equal);
      return equal
        ? sql<boolean>`(${column.sql} = ${value}::uuid)`
        : sql<boolean>`(${column.sql} <> ${value}::uuid)`;
    }
    case 'link': {
      if (op !== 'eq' && op !== 'ne') throw invalidFilter(`${name} is compared with eq or ne.`);
      if (typeof value !== 'string') throw invalidFilter(`${name} is compared with a string.`);
      const linked = UUID.test(value) ? column.has(value) : FALSE;
      return (op === 'eq') !== negated ? linked : sql<boolean>`not ${linked}`;
    }
    case 'date': {
      if (op === 'co' || op === 'sw' || op === 'ew')
        throw invalidFilter(`${name} is a date: compare it with eq, ne, gt, ge, lt or le.`);
      const at = dateValue(name, value);
      const effective = negated ? OPPOSITE[op] : op;
      if (effective === 'eq') return sql<boolean>`(${column.sql} = ${at})`;
      if (effective === 'ne') return sql<boolean>`(${column.sql} is distinct from ${at})`;
      const compare = sql<boolean>`(${column.sql} ${SQL_OPERATOR[effective as keyof typeof SQL_OPERATOR]} ${at})`;
      // The opposite of an ordering also holds for a resource without a value.
      return negated ? sql<boolean>`(${column.sql} is null or ${compare})` : compare;
    }
    case 'string':
      return stringComparison(name, column, op, value, negated);
  }
}

function stringComparison(
  name: string,
  column: Extract<Column, { type: 'string' }>,
  op: Compare,
  value: Value,
  negated: boolean,
): Condition {
  if (typeof value !== 'string') {
    if (value === null && (op === 'eq' || op === 'ne')) {
      // `eq null` is "has no value", as RFC 7644 reads it for absent attributes.
      return present(column, (op === 'eq') !== negated);
    }
    throw invalidFilter(`${name} is text: compare it with a string in double quotes.`);
  }
  const col = column.caseExact ? column.sql : sql`lower(${column.sql})`;
  const val = column.caseExact ? sql`${value}` : sql`lower(${value})`;
  let positive: Condition;
  switch (op) {
    case 'eq':
    case 'ne': {
      const equal = (op === 'eq') !== negated;
      return equal
        ? sql<boolean>`(${col} = ${val})`
        : sql<boolean>`(${column.sql} is null or ${col} <> ${val})`;
    }
    case 'co':
    case 'sw':
    case 'ew': {
      const pattern = `${op === 'sw' ? '' : '%'}${escapeLike(value)}${op === 'ew' ? '' : '%'}`;
      const like = column.caseExact ? sql`${pattern}` : sql`lower(${pattern})`;
      positive = sql<boolean>`(${col} like ${like})`;
      // The trigram index on the search text, which holds this text lowercased, narrows the rows first.
      if (column.search && !negated && value.length >= 3) {
        positive = sql<boolean>`(${column.search} like ${`%${escapeLike(value.toLowerCase())}%`} and ${positive})`;
      }
      break;
    }
    default:
      positive = sql<boolean>`(${col} ${SQL_OPERATOR[op as keyof typeof SQL_OPERATOR]} ${val})`;
  }
  return negated ? sql<boolean>`(${column.sql} is null or not ${positive})` : positive;
}

function compareConstant(name: string, constantValue: string | boolean, op: Compare, value: Value): boolean {
  if (typeof constantValue === 'boolean') {
    if (op !== 'eq' && op !== 'ne')
      throw invalidFilter(`${name} is true or false: compare it with eq or ne.`);
    return (booleanValue(name, value) === constantValue) === (op === 'eq');
  }
  if (typeof value !== 'string')
    throw invalidFilter(`${name} is text: compare it with a string in double quotes.`);
  const a = constantValue.toLowerCase();
  const b = value.toLowerCase();
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'co':
      return a.includes(b);
    case 'sw':
      return a.startsWith(b);
    case 'ew':
      return a.endsWith(b);
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
  }
}

/** true / false, or the strings "true" / "false" in any case, as some providers send them. */
export function booleanValue(name: string, value: Value): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw invalidFilter(`${name} is compared with true or false.`);
}

function dateValue(name: string, value: Value): Date {
  const at = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : undefined;
  if (!at || Number.isNaN(at.getTime())) {
    throw invalidFilter(`${name} is compared with a date and time such as "2026-01-31T09:00:00Z".`);
  }
  return at;
}
