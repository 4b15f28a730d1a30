import type { InfiniteData, UseInfiniteQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import type { TokenSort } from '../../core/sorts.ts';
import type { TokenKind } from '../../core/token-kind.ts';
import type { Page, Token } from '../api/types.ts';
import { StatusBadge } from '../ui/Badge.tsx';
import { ListTable } from '../ui/list/ListTable.tsx';
import { HeaderCell, type SortState } from '../ui/Table.tsx';
import { LastUsedCell, ServiceUserCell, TokenCell } from './cells.tsx';
import { RowActions } from './RowActions.tsx';

/** The token list, columns left to right as the reference pages describe, with "Load more" paging. */
export function TokenTable({
  kind,
  list,
  empty,
  sort,
  onSort,
}: {
  kind: TokenKind;
  list: UseInfiniteQueryResult<InfiniteData<Page<Token>>>;
  empty: ReactNode;
  sort: SortState<TokenSort>;
  onSort(field: TokenSort): void;
}) {
  return (
    <ListTable
      label={kind === 'service' ? 'Service tokens' : 'Personal access tokens'}
      columns={kind === 'service' ? 5 : 4}
      head={
        <>
          {kind === 'service' ? <HeaderCell className="col-owner">Service User</HeaderCell> : null}
          <HeaderCell field="name" sort={sort} onSort={onSort} className="col-token">
            Token
          </HeaderCell>
          <HeaderCell field="last_used_at" sort={sort} onSort={onSort} className="col-last-used">
            Last Used
          </HeaderCell>
          <HeaderCell className="col-status">Status</HeaderCell>
          <th scope="col" className="col-actions">
            <span className="visually-hidden">Actions</span>
          </th>
        </>
      }
      list={list}
      loadError="The tokens could not be loaded"
      empty={empty}
      noun="token"
      row={(token) => (
        <tr key={token.id} data-testid="token-row" data-token-id={token.id}>
          {kind === 'service' ? (
            <td className="col-owner">
              <ServiceUserCell owner={token.owner} />
            </td>
          ) : null}
          <td className="col-token">
            <TokenCell token={token} />
          </td>
          <td className="col-last-used">
            <LastUsedCell token={token} />
          </td>
          <td className="col-status">
            <StatusBadge status={token.status} />
          </td>
          <td className="col-actions">
            <RowActions token={token} />
          </td>
        </tr>
      )}
    />
  );
}
