import { ScrollText, SearchX, X } from 'lucide-react';
import { displayName } from '../../core/names.ts';
import { timeAgo } from '../../core/time-phrases.ts';
import type { AuditEvent } from '../api/types.ts';
import { Badge } from '../ui/Badge.tsx';
import { Button } from '../ui/Button.tsx';
import { EmptyState } from '../ui/EmptyState.tsx';
import { PageHeader } from '../ui/PageHeader.tsx';
import { RelativeTime } from '../ui/RelativeTime.tsx';
import { HeaderCell } from '../ui/Table.tsx';
import { Tooltip } from '../ui/Tooltip.tsx';
import { useAllAccounts } from '../users/api.ts';
import { describeUserAgent } from '../users/user-agent.ts';
import { useAuditLog } from './api.ts';
import '../users/users.css';
import { ListTable, loadedItems } from '../ui/list/ListTable.tsx';
import { textParam, useListParams } from '../ui/list/params.ts';
import { FilterSelect } from '../ui/list/toolbar.tsx';
import { usePageTitle } from '../ui/page-title.ts';

/** What each recorded action reads as; the server's names are the keys (src/audit/audit-log.ts). */
export const ACTIONS: Record<string, string> = {
  'token.created': 'Generated token',
  'token.revoked': 'Revoked token',
  'token.rotated': 'Rotated token',
  'token.updated': 'Changed token',
  'token.restored': 'Restored token',
  'token.deleted': 'Deleted token',
  'token_policy.updated': 'Changed the token policy',
  'trust_policy.created': 'Added a trust policy',
  'trust_policy.updated': 'Changed a trust policy',
  'trust_policy.deleted': 'Deleted a trust policy',
  'token.exchange_refused': 'Refused a CI token exchange',
  'scope.created': 'Added scope',
  'scope.updated': 'Changed scope',
  'scope.deleted': 'Deleted scope',
  'account.created': 'Added account',
  'account.updated': 'Changed account',
  'account.deactivated': 'Deactivated account',
  'account.reactivated': 'Reactivated account',
  'account.password_reset': 'Reset password',
  'account.password_changed': 'Changed password',
  'account.deprovisioned': 'Removed by the identity provider',
  'account.reprovisioned': 'Added back by the identity provider',
  'team.created': 'Created team',
  'team.updated': 'Changed team',
  'team.deleted': 'Deleted team',
  'session.created': 'Signed in',
  'session.ended': 'Signed out',
  'session.failed': 'Failed sign-in',
  'auth.failed': 'Failed authentication',
};

const TARGET_TYPES: Record<string, string> = { token: 'Token', account: 'Account', team: 'Team' };

/** Who acted when no account did (`details.via`): a command on the server, or single sign-on. */
const VIA_LABELS: Record<string, string> = {
  'command line': 'Command line',
  'single sign-on': 'Single sign-on',
};

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The line under the action: why, what changed, how many times; and "via SCIM" for the provider's changes. */
export function actionDetail(event: AuditEvent): string | null {
  const detail = changeDetail(event);
  if (event.details.via !== 'scim') return detail;
  return detail ? `${detail} · via SCIM` : 'via SCIM';
}

function changeDetail(event: AuditEvent): string | null {
  const d = event.details;
  switch (event.action) {
    case 'token.revoked':
      return text(d.reason)
        ? `Reason: ${d.reason}${d.via === 'inactivity sweep' ? ' · inactivity sweep' : ''}`
        : null;
    case 'token.rotated': {
      const minutes = typeof d.grace_period_minutes === 'number' ? d.grace_period_minutes : null;
      const grace =
        minutes === null
          ? null
          : minutes === 0
            ? 'Old secret stopped at once'
            : `Old secret works ${minutes} more minutes`;
      return [d.self ? 'By the token itself' : null, grace].filter(Boolean).join(' · ') || null;
    }
    case 'token.updated': {
      const changes = (d.changes ?? {}) as Record<string, { from: unknown; to: unknown }>;
      const parts = Object.keys(changes);
      return parts.length > 0 ? `Changed ${parts.join(' and ')}` : null;
    }
    case 'token.created':
      return [
        d.kind === 'service' ? 'Service token' : 'Personal token',
        // Events before scopes say `scim_only`.
        d.scim_only ? 'SCIM only' : null,
        Array.isArray(d.scopes) && d.scopes.join(' ') !== 'api' ? `Scopes: ${d.scopes.join(', ')}` : null,
      ]
        .filter(Boolean)
        .join(' · ');
    case 'scope.created':
    case 'scope.updated':
    case 'scope.deleted':
      return typeof d.name === 'string' ? `Scope ${d.name}` : null;
    case 'account.created':
      return [d.kind === 'service' ? 'Service user' : 'Person', text(d.role)].filter(Boolean).join(' · ');
    case 'account.updated': {
      const changes = (d.changes ?? {}) as Record<string, { from: unknown; to: unknown }>;
      const parts = Object.entries(changes).map(([key, change]) =>
        key === 'avatar_url' ? 'avatar' : `${key}: ${change.from || '—'} → ${change.to || '—'}`,
      );
      return parts.length > 0 ? parts.join('; ') : null;
    }
    case 'account.deactivated':
      return typeof d.revoked_tokens === 'number' && d.revoked_tokens > 0
        ? `${d.revoked_tokens} active token${d.revoked_tokens === 1 ? '' : 's'} revoked`
        : null;
    case 'team.updated': {
      const name = (d.changes as { name?: { from: unknown; to: unknown } } | undefined)?.name;
      const count = (n: unknown, what: string) => (typeof n === 'number' && n > 0 ? `${n} ${what}` : null);
      return (
        [
          name ? `name: ${name.from} → ${name.to}` : null,
          count(d.members_added, 'added'),
          count(d.members_removed, 'removed'),
        ]
          .filter(Boolean)
          .join('; ') || null
      );
    }
    case 'session.created':
      return d.via === 'single sign-on'
        ? 'Single sign-on'
        : d.break_glass
          ? 'Password from reset-password'
          : null;
    case 'session.failed':
      return (
        [
          text(d.via) === 'single sign-on' ? 'Single sign-on' : null,
          text(d.email),
          text(d.reason)?.replaceAll('_', ' '),
        ]
          .filter(Boolean)
          .join(' · ') || null
      );
    case 'auth.failed':
      return text(d.code)?.replaceAll('_', ' ') ?? null;
    default:
      return null;
  }
}

/** A label that may break before an "@" (emails, internal IDs) rather than mid-word. */
function Breakable({ text }: { text: string }) {
  const at = text.indexOf('@');
  if (at <= 0) return <>{text}</>;
  return (
    <>
      {text.slice(0, at)}
      <wbr />
      {text.slice(at)}
    </>
  );
}

function FilterChip({ label, onClear }: { label: string; onClear(): void }) {
  return (
    <span className="filter-chip" data-testid="audit-filter">
      {label}
      <button type="button" aria-label={`Remove filter: ${label}`} title="Remove filter" onClick={onClear}>
        <X size={13} aria-hidden="true" />
      </button>
    </span>
  );
}

/** The audit log (Admins): who did what to which token or account, when and from where. */
export function AuditPage() {
  usePageTitle('Audit log');
  const { params, set, filtered, clearFilters } = useListParams({
    filters: { actorId: textParam('actor'), targetId: textParam('target'), action: textParam('action') },
  });
  const log = useAuditLog(params);
  const accounts = useAllAccounts(true);
  const events = loadedItems(log);

  const accountName = (id: string) => {
    const account = accounts.data?.find((a) => a.id === id);
    return account ? displayName(account) : null;
  };
  const actorLabel =
    accountName(params.actorId) ??
    events.find((e) => e.actor?.id === params.actorId)?.actor?.label ??
    'the chosen account';
  const targetLabel =
    events.find((e) => e.target?.id === params.targetId)?.target?.label ??
    accountName(params.targetId) ??
    'the chosen target';

  return (
    <div className="page">
      <PageHeader
        title="Audit log"
        description="Who did what to which token or account, when and from where — failed authentications included. Click a person or a target to see only their events."
      />

      <div className="toolbar">
        <FilterSelect
          label="Actor"
          value={params.actorId}
          onChange={(actorId) => set({ actorId })}
          all="Everyone"
          options={(accounts.data ?? []).map((account) => ({
            value: account.id,
            label: displayName(account),
          }))}
        />
        <FilterSelect
          label="Action"
          value={params.action}
          onChange={(action) => set({ action })}
          all="All actions"
          options={Object.entries(ACTIONS).map(([value, label]) => ({ value, label }))}
        />
      </div>

      {filtered ? (
        <div className="filter-chips">
          {params.actorId ? (
            <FilterChip label={`By ${actorLabel}`} onClear={() => set({ actorId: '' })} />
          ) : null}
          {params.targetId ? (
            <FilterChip label={`On ${targetLabel}`} onClear={() => set({ targetId: '' })} />
          ) : null}
          {params.action ? (
            <FilterChip label={ACTIONS[params.action] ?? params.action} onClear={() => set({ action: '' })} />
          ) : null}
        </div>
      ) : null}

      <ListTable
        className="audit-list"
        label="Audit log"
        columns={5}
        head={
          <>
            <HeaderCell className="col-when">When</HeaderCell>
            <HeaderCell className="col-actor">Actor</HeaderCell>
            <HeaderCell className="col-action">Action</HeaderCell>
            <HeaderCell className="col-target">Target</HeaderCell>
            <HeaderCell className="col-from">From</HeaderCell>
          </>
        }
        list={log}
        loading="spinner"
        loadError="The audit log could not be loaded"
        empty={
          filtered ? (
            <EmptyState
              icon={<SearchX size={22} />}
              title="No events match"
              action={<Button onClick={clearFilters}>Clear filters</Button>}
            >
              Nothing was recorded for these filters.
            </EmptyState>
          ) : (
            <EmptyState icon={<ScrollText size={22} />} title="Nothing recorded yet">
              Every change to a token or an account, and every failed authentication, shows up here.
            </EmptyState>
          )
        }
        noun="event"
        moreLabel="Load older events"
        row={(event) => (
          <AuditRow
            key={event.id}
            event={event}
            onActor={(actorId) => set({ actorId })}
            onTarget={(targetId) => set({ targetId })}
          />
        )}
      />
    </div>
  );
}

function AuditRow({
  event,
  onActor,
  onTarget,
}: {
  event: AuditEvent;
  onActor(id: string): void;
  onTarget(id: string): void;
}) {
  const detail = actionDetail(event);
  const count = typeof event.details.count === 'number' ? event.details.count : null;
  const systemRevoke = event.action === 'token.revoked' && event.details.by === 'system';
  return (
    <tr data-testid="audit-row" data-action={event.action}>
      <td className="col-when audit-when">
        <RelativeTime
          at={event.at}
          phrase={(now) => {
            const phrase = timeAgo(new Date(event.at), now);
            return phrase.charAt(0).toUpperCase() + phrase.slice(1);
          }}
          caption={ACTIONS[event.action] ?? event.action}
        />
      </td>
      <td className="col-actor">
        {event.actor ? (
          <span className="audit-who">
            <button
              type="button"
              className="link-button"
              title="Show only events by this actor"
              onClick={() => onActor(event.actor!.id)}
            >
              <Breakable text={event.actor.label ?? event.actor.id} />
            </button>
            {event.actor.token_id ? <span className="cell-secondary">with a token</span> : null}
            {systemRevoke ? <span className="cell-secondary">by the system</span> : null}
          </span>
        ) : (
          <span className="muted">
            {systemRevoke ? 'System' : (VIA_LABELS[String(event.details.via)] ?? 'Unknown')}
          </span>
        )}
      </td>
      <td className="col-action">
        <span className="audit-action">
          <span className="cell-primary">
            {ACTIONS[event.action] ?? event.action}
            {count !== null && count > 0 ? (
              <span className="count-badge">
                <Badge tone={event.action === 'auth.failed' ? 'red' : 'gray'}>
                  {count} {count === 1 ? 'attempt' : 'attempts'}
                </Badge>
              </span>
            ) : null}
          </span>
          {detail ? <span className="cell-secondary">{detail}</span> : null}
        </span>
      </td>
      <td className="col-target">
        {event.target ? (
          <span className="audit-who">
            <span className="cell-secondary">{TARGET_TYPES[event.target.type] ?? event.target.type}</span>
            {event.target.id ? (
              <button
                type="button"
                className="link-button"
                title="Show only events on this target"
                onClick={() => onTarget(event.target!.id!)}
              >
                <Breakable text={event.target.label ?? event.target.id} />
              </button>
            ) : (
              <span>{event.target.label}</span>
            )}
          </span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td className="col-from">
        {event.ip || event.user_agent ? (
          <span className="audit-from">
            {event.ip ? <span className="mono">{event.ip}</span> : null}
            {event.user_agent ? (
              <Tooltip content={event.user_agent}>
                <button type="button" className="reltime cell-secondary audit-agent">
                  {describeUserAgent(event.user_agent)}
                </button>
              </Tooltip>
            ) : null}
          </span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
    </tr>
  );
}
