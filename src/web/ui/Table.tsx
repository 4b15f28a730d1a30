import { ArrowDown, ArrowUp } from 'lucide-react';
import type { ReactNode } from 'react';
import { Button } from './Button.tsx';
import { EmptyState } from './EmptyState.tsx';

// The data-table style every list uses: a bordered card, a sticky header row, rows that highlight on
// hover, and column headers that sort when given `sort`.

export function Table({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-card">
      <table className="table" aria-label={label}>
        {children}
      </table>
    </div>
  );
}

export interface SortState<F extends string> {
  field: F;
  order: 'asc' | 'desc';
}

/** A column header; with `sort` it is a button that sorts by `field` and shows the direction. */
export function HeaderCell<F extends string>({
  children,
  field,
  sort,
  onSort,
  className,
}: {
  children: ReactNode;
  field?: F;
  sort?: SortState<F>;
  onSort?(field: F): void;
  className?: string;
}) {
  if (!field || !sort || !onSort) {
    return (
      <th scope="col" className={className}>
        {children}
      </th>
    );
  }
  const active = sort.field === field;
  return (
    <th
      scope="col"
      className={className}
      aria-sort={active ? (sort.order === 'asc' ? 'ascending' : 'descending') : 'none'}
    >
      <button
        type="button"
        className={`th-sort ${active ? 'th-sort-active' : ''}`}
        onClick={() => onSort(field)}
      >
        {children}
        <span className="th-sort-icon" aria-hidden="true">
          {active && sort.order === 'asc' ? <ArrowUp size={13} /> : <ArrowDown size={13} />}
        </span>
      </button>
    </th>
  );
}

/** A row standing in for the table's content: loading, an error, an empty state. */
export function TableMessage({ columns, children }: { columns: number; children: ReactNode }) {
  return (
    <tr className="table-message">
      <td colSpan={columns}>{children}</td>
    </tr>
  );
}

/** The row a list shows when its first page failed: what could not be loaded, why, and a retry. */
export function TableLoadError({
  columns,
  title,
  error,
  onRetry,
}: {
  columns: number;
  title: string;
  error: Error;
  onRetry(): void;
}) {
  return (
    <TableMessage columns={columns}>
      <EmptyState title={title} action={<Button onClick={onRetry}>Try again</Button>}>
        {error.message}
      </EmptyState>
    </TableMessage>
  );
}
