import { type RawBuilder, sql } from 'kysely';

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

/** `%`, `_` and `\` match themselves in a LIKE pattern built from user input. */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
