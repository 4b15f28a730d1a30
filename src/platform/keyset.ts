import { type Kysely, type RawBuilder, type SelectQueryBuilder, sql } from 'kysely';
import type { Database } from './schema.ts';

/**
 * Keyset pagination: a page ends at (sort key, id) and the next starts strictly after it, so pages
 * stay stable while rows are added and every page is an index range scan, however deep.
 * The sort key travels as PostgreSQL's own text form, so microseconds and ±infinity survive.
 */
export interface SortKey {
  /** The expression, exactly as indexed. */
  expression: RawBuilder<unknown>;
  /** The SQL type to cast the cursor's text back to. */
  type: 'text' | 'timestamptz';
}

export interface Cursor {
  key: string;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.key, cursor.id])).toString('base64url');
}

/** Undefined when the text is not a cursor this server made. */
export function decodeCursor(text: string): Cursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string' &&
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value[1]) &&
      value[0].length <= 1000
    ) {
      return { key: value[0], id: value[1] };
    }
  } catch {}
  return undefined;
}

export function afterCursor(
  key: SortKey,
  idColumn: RawBuilder<unknown>,
  cursor: Cursor,
  order: 'asc' | 'desc',
) {
  const castKey = key.type === 'text' ? sql`${cursor.key}::text` : sql`${cursor.key}::timestamptz`;
  return order === 'asc'
    ? sql<boolean>`(${key.expression}, ${idColumn}) > (${castKey}, ${cursor.id}::uuid)`
    : sql<boolean>`(${key.expression}, ${idColumn}) < (${castKey}, ${cursor.id}::uuid)`;
}

export interface PageRequest {
  order: 'asc' | 'desc';
  limit: number;
  cursor?: Cursor | undefined;
}

/**
 * The page of `query` that starts after `request.cursor`, in (sort key, id) order, and the cursor of
 * the next page when there is one. The query selects the row's `id` and its key as `sort_key` text.
 */
export async function keysetPage<DB, TB extends keyof DB, O extends { id: string; sort_key: string }>(
  query: SelectQueryBuilder<DB, TB, O>,
  key: SortKey,
  idColumn: RawBuilder<unknown>,
  request: PageRequest,
): Promise<{ rows: O[]; nextCursor: string | null }> {
  const paged = request.cursor
    ? query.where(afterCursor(key, idColumn, request.cursor, request.order))
    : query;
  // One row more than the page tells whether another page follows.
  const rows = await paged
    .orderBy(key.expression, request.order)
    .orderBy(idColumn, request.order)
    .limit(request.limit + 1)
    .execute();
  const page = rows.slice(0, request.limit);
  const last = page.at(-1);
  return {
    rows: page,
    nextCursor:
      rows.length > request.limit && last ? encodeCursor({ key: last.sort_key, id: last.id }) : null,
  };
}

/** A search that matches at most this many rows has them fetched and sorted (`fewMatches`). */
export const FEW_MATCHES = 2000;

/**
 * Whether the planner expects `matching` (a search) to select at most `FEW_MATCHES` rows. For a search,
 * it walks the sort order's index and filters, expecting the matches spread evenly along it: that finds
 * a page of a common term soonest, but reads the whole index when the few matches sit at its far end
 * (the service users' "svc-…" after 90,000 people: 28 ms). Few matches are better fetched through the
 * trigram index and sorted (`unindexedKey`). The planner's own estimate costs a plan, a fraction of a
 * millisecond; counting the matches would cost reading them.
 */
export async function fewMatches(
  db: Kysely<Database>,
  table: RawBuilder<unknown>,
  matching: RawBuilder<boolean>,
): Promise<boolean> {
  const { rows } = await sql<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>`
    explain (format json) select 1 from ${table} where ${matching}`.execute(db);
  const estimate = rows[0]?.['QUERY PLAN'][0].Plan['Plan Rows'] ?? Number.POSITIVE_INFINITY;
  return estimate <= FEW_MATCHES;
}

/**
 * The same order by an expression no index holds, so that the planner fetches the matches first and
 * sorts them, instead of walking the index (see `fewMatches`). Values, and so cursors, are unchanged.
 */
export function unindexedKey(key: SortKey): SortKey {
  return {
    ...key,
    expression:
      key.type === 'text' ? sql`(${key.expression} || '')` : sql`(${key.expression} + interval '0 seconds')`,
  };
}

/** `%`, `_` and `\` match themselves in a LIKE pattern built from user input. */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
