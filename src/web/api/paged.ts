import { type QueryKey, useInfiniteQuery } from '@tanstack/react-query';
import { api, type QueryValue } from './client.ts';
import type { Page } from './types.ts';

/**
 * A list the API pages with its keyset cursor, page after page ("Load more"). While new filters load,
 * the previous list stays on screen (`placeholderData`) instead of flashing empty.
 */
export function usePagedList<T>(
  queryKey: QueryKey,
  path: string,
  query: Record<string, QueryValue>,
  options: { refetchInterval?: number } = {},
) {
  return useInfiniteQuery({
    ...options,
    queryKey,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      api<Page<T>>(path, { signal, query: { ...query, cursor: pageParam } }),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: (previous) => previous,
  });
}
