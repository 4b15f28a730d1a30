import type { InfiniteData, UseInfiniteQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import type { Page } from '../../api/types.ts';
import { Table, TableLoadError, TableMessage } from '../Table.tsx';
import { ListFooter } from './ListFooter.tsx';

/** Every row the list has loaded so far, page after page. */
export function loadedItems<T>(list: UseInfiniteQueryResult<InfiniteData<Page<T>>>): T[] {
  return list.data?.pages.flatMap((page) => page.items) ?? [];
}

/** Placeholder rows while the first page loads; the last column (the row menu) gets a small one. */
function SkeletonRows({ columns }: { columns: number }) {
  return (
    <>
      {[0, 1, 2, 3].map((row) => (
        <tr key={row} className="skeleton-row">
          {Array.from({ length: columns }, (_, column) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity.
            <td key={column}>
              <span
                className="skeleton"
                style={{ width: column === columns - 1 ? 24 : `${60 + ((row * 7 + column * 13) % 30)}%` }}
              />
            </td>
          ))}
        </tr>
      ))}
    </>
  );
}

function Spinner({ columns }: { columns: number }) {
  return (
    <TableMessage columns={columns}>
      <div className="loading-page" style={{ minHeight: 160 }}>
        <span className="spinner" aria-hidden="true" />
      </div>
    </TableMessage>
  );
}

/**
 * A paged list's table: placeholders while the first page loads, the error row with Try again when it
 * failed, the empty state when there is nothing, then the rows, and under the table how many are shown
 * with "Load more".
 */
export function ListTable<T>({
  label,
  columns,
  head,
  list,
  row,
  loadError,
  empty,
  noun,
  moreLabel,
  loading = 'rows',
  className,
}: {
  label: string;
  /** How many columns the head has, for the rows that span them. */
  columns: number;
  /** The header cells. */
  head: ReactNode;
  list: UseInfiniteQueryResult<InfiniteData<Page<T>>>;
  row(item: T): ReactNode;
  /** The error row's title: "The tokens could not be loaded". */
  loadError: string;
  empty: ReactNode;
  /** For the footer's count: "token", "account". */
  noun: string;
  moreLabel?: string;
  /** What stands in while the first page loads: skeleton rows, or a spinner. */
  loading?: 'rows' | 'spinner';
  /** A wrapper's class, for a page's own column widths. */
  className?: string;
}) {
  const items = loadedItems(list);
  const table = (
    <Table label={label}>
      <thead>
        <tr>{head}</tr>
      </thead>
      <tbody aria-busy={list.isFetching || undefined}>
        {list.isPending ? (
          loading === 'rows' ? (
            <SkeletonRows columns={columns} />
          ) : (
            <Spinner columns={columns} />
          )
        ) : null}
        {list.isError && !list.data ? (
          <TableLoadError
            columns={columns}
            title={loadError}
            error={list.error}
            onRetry={() => list.refetch()}
          />
        ) : null}
        {list.isSuccess && items.length === 0 ? <TableMessage columns={columns}>{empty}</TableMessage> : null}
        {items.map(row)}
      </tbody>
    </Table>
  );
  return (
    <>
      {className ? <div className={className}>{table}</div> : table}
      <ListFooter count={items.length} noun={noun} list={list} moreLabel={moreLabel} />
    </>
  );
}
