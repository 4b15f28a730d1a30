import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { SortOrder } from '../../api/types.ts';
import type { SortState } from '../Table.tsx';

// A list's search, filters and sort live in the URL, so a filtered list survives a reload and can be
// linked. A page says once which keys it keeps and how each reads (`useListParams`); the hook gives back
// typed values, a way to change them, and the search box's text, which follows the URL after a pause.

type Changes = Record<string, string | null>;

/**
 * The page's query string, and a way to change some of its keys in place. Each change starts from the
 * address bar, not from the last render: React Router's functional update does not queue, so two quick
 * changes (pick a role, then tick a box) would otherwise undo each other.
 */
function useUrlParams() {
  const [search, setSearch] = useSearchParams();
  const update = (changes: Changes) => {
    const next = new URLSearchParams(window.location.search);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setSearch(next, { replace: true });
  };
  return [search, update] as const;
}

/** One typed value in the query string: how it reads, and the keys that write it (null drops a key). */
export interface Param<T> {
  read(search: URLSearchParams): T;
  write(value: T): Changes;
}

const NOTHING = new URLSearchParams();

/** Free text; '' (absent) is no filter. */
export function textParam(key: string): Param<string> {
  return { read: (search) => search.get(key) ?? '', write: (value) => ({ [key]: value || null }) };
}

/** One of `values`; anything else, or nothing, reads as '' (no filter). */
export function choiceParam<T extends string>(key: string, values: readonly T[]): Param<T | ''> {
  return {
    read: (search) => values.find((value) => value === search.get(key)) ?? '',
    write: (value) => ({ [key]: value || null }),
  };
}

/** A switch: on when the key holds `on`. */
export function flagParam(key: string, on: string): Param<boolean> {
  return { read: (search) => search.get(key) === on, write: (value) => ({ [key]: value ? on : null }) };
}

export interface SortOption<F extends string> extends SortState<F> {
  label: string;
}

/** The sort, in `sort` and `order`, with the entries of its menu. */
export interface SortParam<F extends string> extends Param<SortState<F>> {
  options: readonly SortOption<F>[];
  /** A column header's click: the other direction when the list is sorted by it, else its first one. */
  toggle(current: SortState<F>, field: F): SortState<F>;
}

/** The entries the lists share: by name, and by when it was made. */
export const NAME_SORTS = [
  { field: 'name', order: 'asc', label: 'Name A–Z' },
  { field: 'name', order: 'desc', label: 'Name Z–A' },
] as const;

export const CREATED_SORTS = [
  { field: 'created_at', order: 'desc', label: 'Newest first' },
  { field: 'created_at', order: 'asc', label: 'Oldest first' },
] as const;

/**
 * The menu's entries say the defaults too: the first is the list's sort when the URL names none, and a
 * field's first entry is the direction it starts in (the server's: names ascending, times newest first).
 */
export function sortParam<F extends string>(
  options: readonly [SortOption<F>, ...SortOption<F>[]],
): SortParam<F> {
  const first = (field: string | null) => options.find((option) => option.field === field);
  const startOrder = (field: F): SortOrder => first(field)?.order ?? 'asc';
  return {
    options,
    read(search) {
      const field = (first(search.get('sort')) ?? options[0]).field;
      const order = search.get('order');
      return { field, order: order === 'asc' || order === 'desc' ? order : startOrder(field) };
    },
    write: (sort) => ({ sort: sort.field, order: sort.order }),
    toggle: (current, field) => ({
      field,
      order: field === current.field ? (current.order === 'asc' ? 'desc' : 'asc') : startOrder(field),
    }),
  };
}

type ParamSet = Record<string, Param<unknown>>;
type ValuesOf<P extends ParamSet> = { [K in keyof P]: P[K] extends Param<infer T> ? T : never };

export interface ListSpec<F extends ParamSet, O extends ParamSet> {
  /** What "Clear filters" clears; with any of them set, the list is filtered. */
  filters: F;
  /** What else the URL keeps, which clearing the filters leaves alone: the sort, "Show deactivated". */
  options?: O;
  /** The text filter the search box types into. */
  search?: keyof F & string;
}

/** What a list page gets from `useListParams`; `V` is its typed values. */
export interface ListParams<V> {
  params: V;
  set(changes: Partial<V>): void;
  filtered: boolean;
  clearFilters(): void;
  /** The search box's text: the URL (and the request) follow it after 250 ms without typing. */
  searchText: string;
  setSearchText(text: string): void;
}

export function useListParams<F extends ParamSet, O extends ParamSet = Record<never, never>>(
  spec: ListSpec<F, O>,
): ListParams<ValuesOf<F> & ValuesOf<O>> {
  type Values = ValuesOf<F> & ValuesOf<O>;
  const [search, update] = useUrlParams();
  const all: ParamSet = { ...spec.filters, ...spec.options };
  const readAll = (from: URLSearchParams, set: ParamSet): Record<string, unknown> =>
    Object.fromEntries(Object.entries(set).map(([name, param]) => [name, param.read(from)]));
  const values = readAll(search, all);
  const set = (changes: Partial<Values>) =>
    update(Object.assign({}, ...Object.entries(changes).map(([name, value]) => all[name]?.write(value))));
  const cleared = readAll(NOTHING, spec.filters);
  const filtered = Object.entries(cleared).some(([name, value]) => values[name] !== value);

  const searched = spec.search ? String(values[spec.search]) : '';
  const [searchText, setSearchText] = useState(searched);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `set` is a new function every render.
  useEffect(() => {
    if (!spec.search || searchText === searched) return;
    const key = spec.search;
    const timer = window.setTimeout(() => set({ [key]: searchText.trim() } as Partial<Values>), 250);
    return () => window.clearTimeout(timer);
  }, [searchText, searched]);

  return {
    params: values as Values,
    set,
    filtered,
    clearFilters() {
      setSearchText('');
      set(cleared as Partial<Values>);
    },
    searchText,
    setSearchText,
  };
}
