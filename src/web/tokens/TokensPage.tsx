import * as Tabs from '@radix-ui/react-tabs';
import { KeyRound, Plus, SearchX, X } from 'lucide-react';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { displayName } from '../../core/names.ts';
import { API_SCOPE_DESCRIPTIONS, API_SCOPES } from '../../core/scopes.ts';
import type { TokenSort } from '../../core/sorts.ts';
import type { TokenKind } from '../../core/token-kind.ts';
import { TOKEN_STATUSES } from '../../core/token-status.ts';
import { paths } from '../paths.ts';
import { useCan } from '../session/api.ts';
import { STATUS_LABEL } from '../ui/Badge.tsx';
import { Button } from '../ui/Button.tsx';
import { EmptyState } from '../ui/EmptyState.tsx';
import {
  CREATED_SORTS,
  choiceParam,
  flagParam,
  NAME_SORTS,
  sortParam,
  textParam,
  useListParams,
} from '../ui/list/params.ts';
import { FilterSelect, SearchBox, SortMenu } from '../ui/list/toolbar.tsx';
import { PageHeader } from '../ui/PageHeader.tsx';
import { usePageTitle } from '../ui/page-title.ts';
import { type TokenListParams, useServiceUsers, useTokenList } from './api.ts';
import { GenerateTokenDialog } from './GenerateTokenDialog.tsx';
import { useScopes } from './scopes-api.ts';
import { TokenTable } from './TokenTable.tsx';
import '../users/users.css';

const SORT = sortParam<TokenSort>([
  ...CREATED_SORTS,
  ...NAME_SORTS,
  { field: 'expires_at', order: 'asc', label: 'Expires soonest' },
  { field: 'expires_at', order: 'desc', label: 'Expires latest' },
  { field: 'last_used_at', order: 'desc', label: 'Recently used' },
  { field: 'last_used_at', order: 'asc', label: 'Least recently used' },
]);

export function TokensPage({ kind }: { kind: TokenKind }) {
  usePageTitle(kind === 'service' ? 'Service Tokens' : 'Access Tokens');
  const can = useCan();
  const navigate = useNavigate();
  const list = useListParams({
    filters: {
      q: textParam('q'),
      status: choiceParam('status', TOKEN_STATUSES),
      serviceUserId: textParam('service_user'),
      exceedsPolicy: flagParam('exceeds_policy', '1'),
      scope: textParam('scope'),
    },
    options: { sort: SORT },
    search: 'q',
  });
  const params: TokenListParams = { kind, ...list.params };
  const [generating, setGenerating] = useState(false);
  const tokenList = useTokenList(params);
  const serviceUsers = useServiceUsers(kind === 'service', true);
  const catalog = useScopes();

  const generateButton = (
    <Button
      variant="primary"
      icon={<Plus size={16} aria-hidden="true" />}
      onClick={() => setGenerating(true)}
    >
      Generate Token
    </Button>
  );
  const empty = list.filtered ? (
    <EmptyState
      icon={<SearchX size={22} />}
      title="No tokens match"
      action={<Button onClick={list.clearFilters}>Clear search and filters</Button>}
    >
      No {kind} token matches {params.q ? `“${params.q}”` : 'these filters'}
      {params.q && (params.status || params.serviceUserId) ? ' with these filters' : ''}. Try another name, or
      clear the filters.
    </EmptyState>
  ) : (
    <EmptyState
      icon={<KeyRound size={22} />}
      title={kind === 'personal' ? 'No personal access tokens yet' : 'No service tokens yet'}
      action={generateButton}
    >
      {kind === 'personal'
        ? 'Generate a token to call the Tessera API from your scripts and tools. It acts as you, with your role.'
        : 'Generate a token for a service user, so a pipeline or integration can call the API without a person’s credentials.'}
    </EmptyState>
  );

  return (
    <div className="page">
      <PageHeader
        title="Access Tokens"
        description={
          kind === 'personal'
            ? 'Personal access tokens act as you when your scripts call the API. Treat them like passwords.'
            : 'Service tokens belong to service users — accounts for pipelines and integrations that never sign in.'
        }
      >
        {generateButton}
      </PageHeader>

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
            <SearchBox
              list={list}
              label="Search tokens by name or description"
              placeholder="Search by name or description"
            />
            <FilterSelect
              label="Status"
              value={params.status}
              onChange={(status) => list.set({ status })}
              all="All statuses"
              options={TOKEN_STATUSES.map((status) => ({ value: status, label: STATUS_LABEL[status] }))}
            />
            <FilterSelect
              label="Scope"
              value={params.scope ?? ''}
              onChange={(scope) => list.set({ scope })}
              all="All scopes"
              options={[
                ...API_SCOPES.map((scope) => ({ value: scope, label: API_SCOPE_DESCRIPTIONS[scope].label })),
                ...(catalog.data ?? []).map((scope) => ({ value: scope.name, label: scope.name })),
              ]}
            />
            {kind === 'service' ? (
              <FilterSelect
                label="Service user"
                value={params.serviceUserId}
                onChange={(serviceUserId) => list.set({ serviceUserId })}
                all="All service users"
                options={(serviceUsers.data ?? []).map((account) => ({
                  value: account.id,
                  label: `${displayName(account)}${account.status === 'deactivated' ? ' (deactivated)' : ''}`,
                }))}
              />
            ) : null}
            {params.exceedsPolicy ? (
              <span className="filter-chip" data-testid="exceeds-policy-filter">
                Exceeds the token policy
                <button
                  type="button"
                  aria-label="Remove filter: Exceeds the token policy"
                  title="Remove filter"
                  onClick={() => list.set({ exceedsPolicy: false })}
                >
                  <X size={13} aria-hidden="true" />
                </button>
              </span>
            ) : null}
            <span className="toolbar-spacer" />
            <SortMenu sort={SORT} value={params.sort} onChange={(sort) => list.set({ sort })} />
          </div>

          <TokenTable
            kind={kind}
            list={tokenList}
            empty={empty}
            sort={params.sort}
            onSort={(field) => list.set({ sort: SORT.toggle(params.sort, field) })}
          />
        </Tabs.Content>
      </Tabs.Root>

      <GenerateTokenDialog open={generating} onOpenChange={setGenerating} initialKind={kind} />
    </div>
  );
}
