import { Button } from '../Button.tsx';

/** What a paged list needs from TanStack Query's infinite query to offer the next page. */
interface PagedList {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage(): unknown;
}

/** Under every list: how many rows are shown ("13 tokens", "50 accounts shown") and the next page. */
export function ListFooter({
  count,
  noun,
  list,
  moreLabel = 'Load more',
}: {
  count: number;
  /** Singular; an "s" is added for any other count. */
  noun: string;
  list: PagedList;
  moreLabel?: string;
}) {
  if (count === 0) return null;
  return (
    <div className="table-footer">
      <span aria-live="polite">
        {count} {count === 1 ? noun : `${noun}s`}
        {list.hasNextPage ? ' shown' : ''}
      </span>
      {list.hasNextPage ? (
        <Button size="sm" busy={list.isFetchingNextPage} onClick={() => list.fetchNextPage()}>
          {moreLabel}
        </Button>
      ) : null}
    </div>
  );
}
