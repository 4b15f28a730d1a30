const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Tessera's ids are UUIDs: anything else (a mistyped link) names nothing, and needs no request. */
export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/** A well-formed id that no row has: a filter on it matches nothing. */
export const NO_ID = '00000000-0000-0000-0000-000000000000';
