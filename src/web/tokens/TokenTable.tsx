import type { InfiniteData, UseInfiniteQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import type { TokenSort } from '../../core/sorts.ts';
import type { TokenKind } from '../../core/token-kind.ts';
import type { Page, Token } from '../api/types.ts';
import { StatusBadge } from '../ui/Badge.tsx';
import { ListFooter } from '../ui/ListFooter.tsx';
import { HeaderCell, type SortState, Table, TableLoadError, TableMessage } from '../ui/Table.tsx';
import { LastUsedCell, ServiceUserCell, TokenCell } from './cells.tsx';
import { RowActions } from './RowActions.tsx';

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

/** The token list, columns left to right as the reference pages describe, with "Load more" paging. */
export function TokenTable({
  kind,
  list,
  tokens,
  empty,
  sort,
  onSort,
}: {
  kind: TokenKind;
  list: UseInfiniteQueryResult<InfiniteData<Page<Token>>>;
  tokens: Token[];
  empty: ReactNode;
  sort: SortState<TokenSort>;
  onSort(field: TokenSort): void;
}) {
  const columns = kind === 'service' ? 5 : 4;
  return (
    <>
      <Table label={kind === 'service' ? 'Service tokens' : 'Personal access tokens'}>
        <thead>
          <tr>
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
          </tr>
        </thead>
        <tbody aria-busy={list.isFetching || undefined}>
          {list.isPending ? <SkeletonRows columns={columns} /> : null}
          {list.isError && !list.data ? (
            <TableLoadError
              columns={columns}
              title="The tokens could not be loaded"
              error={list.error}
              onRetry={() => list.refetch()}
            />
          ) : null}
          {empty ? <TableMessage columns={columns}>{empty}</TableMessage> : null}
          {tokens.map((token) => (
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
          ))}
        </tbody>
      </Table>
      <ListFooter count={tokens.length} noun="token" list={list} />
    </>
  );
}
