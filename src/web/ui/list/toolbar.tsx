import { Search } from 'lucide-react';
import type { SortOrder } from '../../api/types.ts';
import type { SortState } from '../Table.tsx';
import type { ListParams, SortParam } from './params.ts';

// The controls above a list: the search box, a filter's select and the sort menu. Each is named for
// screen readers (and tests) by its label, which is not shown.

export function SearchBox({
  list,
  label,
  placeholder,
}: {
  list: Pick<ListParams<unknown>, 'searchText' | 'setSearchText'>;
  label: string;
  placeholder: string;
}) {
  return (
    <label className="search">
      <span className="visually-hidden">{label}</span>
      <Search size={16} aria-hidden="true" />
      <input
        className="input"
        type="search"
        placeholder={placeholder}
        value={list.searchText}
        onChange={(e) => list.setSearchText(e.target.value)}
        maxLength={100}
      />
    </label>
  );
}

/** A filter's choices, after `all` (the empty value: no filter). */
export function FilterSelect<T extends string>({
  label,
  value,
  onChange,
  all,
  options,
}: {
  label: string;
  value: T | '';
  onChange(value: T | ''): void;
  all: string;
  options: readonly { value: T; label: string }[];
}) {
  return (
    <select
      className="select"
      aria-label={label}
      value={value}
      onChange={(e) => onChange(e.target.value as T | '')}
    >
      <option value="">{all}</option>
      {options.map((option) => (
        <option key={option.value} value={option.value}>
          {option.label}
        </option>
      ))}
    </select>
  );
}

/** Every sort the list offers, "Sort: Newest first" and so on. */
export function SortMenu<F extends string>({
  sort,
  value,
  onChange,
  className,
}: {
  sort: SortParam<F>;
  value: SortState<F>;
  onChange(value: SortState<F>): void;
  className?: string;
}) {
  return (
    <select
      className={className ? `select ${className}` : 'select'}
      aria-label="Sort"
      value={`${value.field}:${value.order}`}
      onChange={(e) => {
        const [field, order] = e.target.value.split(':');
        onChange({ field: field as F, order: order as SortOrder });
      }}
    >
      {sort.options.map((option) => (
        <option key={`${option.field}:${option.order}`} value={`${option.field}:${option.order}`}>
          Sort: {option.label}
        </option>
      ))}
    </select>
  );
}
