import { useSearchParams } from 'react-router';

/**
 * The page's query string, and a way to change some of its keys (filters, sort) in place. Each change
 * starts from the address bar, not from the last render: React Router's functional update does not queue,
 * so two quick changes (pick a role, then tick a box) would otherwise undo each other.
 */
export function useUrlParams() {
  const [search, setSearch] = useSearchParams();
  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(window.location.search);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setSearch(next, { replace: true });
  };
  return [search, update] as const;
}
