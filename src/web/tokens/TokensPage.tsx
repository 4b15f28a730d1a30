import * as Tabs from '@radix-ui/react-tabs';
import { KeyRound, Plus, Search, SearchX } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import { displayName } from '../../core/names.ts';
import type { TokenSort } from '../../core/sorts.ts';
import type { TokenKind } from '../../core/token-kind.ts';
import { TOKEN_STATUSES, type TokenStatus } from '../../core/token-status.ts';
import type { SortOrder } from '../api/types.ts';
import { paths } from '../paths.ts';
import { useCan } from '../session/api.ts';
import { STATUS_LABEL } from '../ui/Badge.tsx';
import { Button } from '../ui/Button.tsx';
import { EmptyState } from '../ui/EmptyState.tsx';
import { useUrlParams } from '../url-params.ts';
import { type TokenListParams, useServiceUsers, useTokenList } from './api.ts';
import { GenerateTokenDialog } from './GenerateTokenDialog.tsx';
import { TokenTable } from './TokenTable.tsx';

const SORTS: { value: `${TokenSort}:${SortOrder}`; label: string }[] = [
  { value: 'created_at:desc', label: 'Newest first' },
  { value: 'created_at:asc', label: 'Oldest first' },
  { value: 'name:asc', label: 'Name A–Z' },
  { value: 'name:desc', label: 'Name Z–A' },
  { value: 'expires_at:asc', label: 'Expires soonest' },
  { value: 'expires_at:desc', label: 'Expires latest' },
  { value: 'last_used_at:desc', label: 'Recently used' },
  { value: 'last_used_at:asc', label: 'Least recently used' },
];

const DEFAULT_ORDER: Record<TokenSort, SortOrder> = {
  name: 'asc',
  created_at: 'desc',
  expires_at: 'asc',
  last_used_at: 'desc',
};

function isSort(value: string | null): value is TokenSort {
  return value === 'name' || value === 'created_at' || value === 'expires_at' || value === 'last_used_at';
}

function isStatus(value: string | null): value is TokenStatus {
  return (TOKEN_STATUSES as readonly (string | null)[]).includes(value);
}

/** The list's search, filters and sort live in the URL, so a filtered list can be linked and reloaded. */
function useListParams(kind: TokenKind) {
  const [search, update] = useUrlParams();
  const sortParam = search.get('sort');
  const sort: TokenSort = isSort(sortParam) ? sortParam : 'created_at';
  const orderParam = search.get('order');
  const order: SortOrder = orderParam === 'asc' || orderParam === 'desc' ? orderParam : DEFAULT_ORDER[sort];
  const statusParam = search.get('status');
  const params: TokenListParams = {
    kind,
    q: search.get('q') ?? '',
    status: isStatus(statusParam) ? statusParam : '',
    serviceUserId: search.get('service_user') ?? '',
    sort,
    order,
  };
  return { params, update };
}

export function TokensPage({ kind }: { kind: TokenKind }) {
  const can = useCan();
  const navigate = useNavigate();
  const { params, update } = useListParams(kind);
  const [query, setQuery] = useState(params.q);
  const [generating, setGenerating] = useState(false);
  const list = useTokenList(params);
  const serviceUsers = useServiceUsers(kind === 'service', true);

  // Typing searches after a short pause; the URL (and the request) follow.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `update` is a new function every render.
  useEffect(() => {
    if (query === params.q) return;
    const timer = window.setTimeout(() => update({ q: query.trim() || null }), 250);
    return () => window.clearTimeout(timer);
  }, [query, params.q]);

  const filtered = params.q !== '' || params.status !== '' || params.serviceUserId !== '';
  const tokens = list.data?.pages.flatMap((page) => page.items) ?? [];
  const clearFilters = () => {
    setQuery('');
    update({ q: null, status: null, service_user: null });
  };

  const empty =
    list.isSuccess && tokens.length === 0 ? (
      filtered ? (
        <EmptyState
          icon={<SearchX size={22} />}
          title="No tokens match"
          action={<Button onClick={clearFilters}>Clear search and filters</Button>}
        >
          No {kind} token matches {params.q ? `“${params.q}”` : 'these filters'}
          {params.q && (params.status || params.serviceUserId) ? ' with these filters' : ''}. Try another
          name, or clear the filters.
        </EmptyState>
      ) : (
        <EmptyState
          icon={<KeyRound size={22} />}
          title={kind === 'personal' ? 'No personal access tokens yet' : 'No service tokens yet'}
          action={
            <Button
              variant="primary"
              icon={<Plus size={16} aria-hidden="true" />}
              onClick={() => setGenerating(true)}
            >
              Generate Token
            </Button>
          }
        >
          {kind === 'personal'
            ? 'Generate a token to call the Tessera API from your scripts and tools. It acts as you, with your role.'
            : 'Generate a token for a service user, so a pipeline or integration can call the API without a person’s credentials.'}
        </EmptyState>
      )
    ) : null;

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1 className="page-title">Access Tokens</h1>
          <p className="page-description">
            {kind === 'personal'
              ? 'Personal access tokens act as you when your scripts call the API. Treat them like passwords.'
              : 'Service tokens belong to service users — accounts for pipelines and integrations that never sign in.'}
          </p>
        </div>
        <Button
          variant="primary"
          icon={<Plus size={16} aria-hidden="true" />}
          onClick={() => setGenerating(true)}
        >
          Generate Token
        </Button>
      </header>

      <Tabs.Root
        value={kind}
        onValueChange={(value) => navigate(value === 'service' ? paths.serviceTokens : paths.personalTokens)}
        activationMode="manual"
      >
        <Tabs.List className="tabs-list" aria-label="Token kind">
          <Tabs.Trigger className="tab" value="personal">
            Personal
          </Tabs.Trigger>
          {can.manageServiceTokens ? (
            <Tabs.Trigger className="tab" value="service">
              Service
            </Tabs.Trigger>
          ) : null}
        </Tabs.List>
        <Tabs.Content value={kind} tabIndex={-1}>
          <div className="toolbar">
            <label className="search">
              <span className="visually-hidden">Search tokens by name</span>
              <Search size={16} aria-hidden="true" />
              <input
                className="input"
                type="search"
                placeholder="Search by name"
                value={query}
                onChange={(e) => setQuery(e.target.value)}
                maxLength={100}
              />
            </label>
            <label>
              <span className="visually-hidden">Status</span>
              <select
                className="select"
                value={params.status}
                onChange={(e) => update({ status: e.target.value || null })}
              >
                <option value="">All statuses</option>
                {TOKEN_STATUSES.map((status) => (
                  <option key={status} value={status}>
                    {STATUS_LABEL[status]}
                  </option>
                ))}
              </select>
            </label>
            {kind === 'service' ? (
              <label>
                <span className="visually-hidden">Service user</span>
                <select
                  className="select"
                  value={params.serviceUserId}
                  onChange={(e) => update({ service_user: e.target.value || null })}
                >
                  <option value="">All service users</option>
                  {(serviceUsers.data ?? []).map((account) => (
                    <option key={account.id} value={account.id}>
                      {displayName(account)}
                      {account.status === 'deactivated' ? ' (deactivated)' : ''}
                    </option>
                  ))}
                </select>
              </label>
            ) : null}
            <span className="toolbar-spacer" />
            <label>
              <span className="visually-hidden">Sort</span>
              <select
                className="select"
                value={`${params.sort}:${params.order}`}
                onChange={(e) => {
                  const [sort, order] = e.target.value.split(':');
                  update({ sort: sort ?? null, order: order ?? null });
                }}
              >
                {SORTS.map((sort) => (
                  <option key={sort.value} value={sort.value}>
                    Sort: {sort.label}
                  </option>
                ))}
              </select>
            </label>
          </div>

          <TokenTable
            kind={kind}
            list={list}
            tokens={tokens}
            empty={empty}
            sort={{ field: params.sort, order: params.order }}
            onSort={(field) =>
              update({
                sort: field,
                order:
                  field === params.sort ? (params.order === 'asc' ? 'desc' : 'asc') : DEFAULT_ORDER[field],
              })
            }
          />
        </Tabs.Content>
      </Tabs.Root>

      <GenerateTokenDialog open={generating} onOpenChange={setGenerating} initialKind={kind} />
    </div>
  );
}
