import { ArrowLeft, BarChart3, Globe, KeyRound, ScrollText, Workflow } from 'lucide-react';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { roleAtLeast } from '../../core/roles.ts';
import { expirationPhrase, lastUsedPhrase, timeAgo } from '../../core/time-phrases.ts';
import type { TokenKind } from '../../core/token-kind.ts';
import { isApiError } from '../api/client.ts';
import type { Token } from '../api/types.ts';
import { ACTIONS, actionDetail } from '../audit/AuditPage.tsx';
import { useAuditLog } from '../audit/api.ts';
import { paths } from '../paths.ts';
import { useAccount } from '../session/account-context.tsx';
import { Avatar } from '../ui/Avatar.tsx';
import { StatusBadge } from '../ui/Badge.tsx';
import { EmptyState } from '../ui/EmptyState.tsx';
import { usePageTitle } from '../ui/page-title.ts';
import { RelativeTime } from '../ui/RelativeTime.tsx';
import { describeUserAgent } from '../users/user-agent.ts';
import { KeyIcon, ScopeChips, ServiceUserCell } from './cells.tsx';
import { RowActions } from './RowActions.tsx';
import { UsageChart } from './UsageChart.tsx';
import {
  byLocalDay,
  USAGE_RANGES,
  type UsageRange,
  useToken,
  useTokenOrigins,
  useTokenUsage,
} from './usage-api.ts';
import './token-page.css';

const listPath = (kind: TokenKind) => (kind === 'service' ? paths.serviceTokens : paths.personalTokens);

/**
 * One token at a glance: what it is, whose, how much it is used and from where, and what happened to it.
 * The same permissions as its row: the server answers 404 or 403 for a token the list would not show.
 */
export function TokenPage({ kind }: { kind: TokenKind }) {
  const { id = '' } = useParams();
  const token = useToken(id);
  usePageTitle(token.data ? token.data.name : 'Token');
  const back = (
    <Link className="back-link" to={listPath(kind)}>
      <ArrowLeft size={15} aria-hidden="true" />
      {kind === 'service' ? 'Service tokens' : 'Personal access tokens'}
    </Link>
  );
  if (token.isPending) return <div className="page">{back}</div>;
  if (token.isError || token.data.kind !== kind) {
    const missing = token.isError && !isApiError(token.error, 404) && !isApiError(token.error, 400);
    return (
      <div className="page">
        {back}
        <EmptyState
          icon={<KeyRound size={22} />}
          title={missing ? 'The token could not be loaded' : 'No such token'}
        >
          {missing ? 'Try again in a moment.' : 'It was deleted, or it is not yours to see.'}
        </EmptyState>
      </div>
    );
  }
  const t = token.data;
  return (
    <div className="page token-page" data-testid="token-page">
      {back}
      <header className="token-page-header">
        <KeyIcon status={t.status} />
        <div className="token-page-title">
          <h1 className="page-title">{t.name}</h1>
          {t.description ? <p className="page-description">{t.description}</p> : null}
        </div>
        <StatusBadge status={t.status} />
        <RowActions token={t} />
      </header>

      <section className="token-facts" aria-label="Details">
        <dl>
          <div>
            <dt>Owner</dt>
            <dd>{t.kind === 'service' ? <ServiceUserCell owner={t.owner} /> : <PersonOwner token={t} />}</dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>
              <RelativeTime
                at={t.created_at}
                caption="Created"
                phrase={(now) => timeAgo(new Date(t.created_at), now)}
              />
            </dd>
          </div>
          <div>
            <dt>Expires</dt>
            <dd data-testid="token-expires">
              {t.expires_at === null ? (
                'Never'
              ) : (
                <RelativeTime
                  at={t.expires_at}
                  caption={t.status === 'expired' ? 'Expired' : 'Expires'}
                  phrase={(now) => expirationPhrase(t.expires_at, now)}
                />
              )}
            </dd>
          </div>
          <div>
            <dt>Last used</dt>
            <dd data-testid="token-last-used">
              {t.last_used_at === null ? (
                'Not used yet'
              ) : (
                <RelativeTime
                  at={t.last_used_at}
                  caption="Last used"
                  phrase={(now) => lastUsedPhrase(t.last_used_at, now)}
                  extra={t.last_used_ip ? `from ${t.last_used_ip}` : undefined}
                />
              )}
            </dd>
          </div>
          <div>
            <dt>Scopes</dt>
            <dd>
              <ScopeChips scopes={t.scopes} all testId="token-scopes" />
            </dd>
          </div>
          <div>
            <dt>Networks</dt>
            <dd data-testid="token-networks">
              {t.allowed_networks === null || t.allowed_networks.length === 0 ? (
                'Anywhere'
              ) : (
                <ul className="token-networks">
                  {t.allowed_networks.map((network) => (
                    <li key={network} className="mono">
                      {network}
                    </li>
                  ))}
                </ul>
              )}
            </dd>
          </div>
        </dl>
      </section>

      {t.federation ? <Federation federation={t.federation} /> : null}
      <Usage token={t} />
      <Origins token={t} />
      <Trail token={t} />
    </div>
  );
}

function PersonOwner({ token }: { token: Token }) {
  return (
    <div className="cell-stack">
      <Avatar person={token.owner} size={32} />
      <div className="cell-lines">
        <span className="cell-primary">{token.owner.name ?? token.owner.email}</span>
        {token.owner.name && token.owner.email ? (
          <span className="cell-secondary">{token.owner.email}</span>
        ) : null}
      </div>
    </div>
  );
}

/** A token a CI job got by exchange: the trust policy that allowed it and the job's claims that earned it. */
function Federation({ federation }: { federation: NonNullable<Token['federation']> }) {
  const claims = Object.entries(federation.claims);
  return (
    <section className="token-section" aria-labelledby="federation-title" data-testid="token-federation">
      <div className="token-section-head">
        <h2 id="federation-title">
          <Workflow size={17} aria-hidden="true" /> Federated
        </h2>
      </div>
      <p className="section-note">
        Issued to a CI job through a trust policy
        {federation.trust_policy_id ? (
          <>
            {' '}
            (<span className="mono">{federation.trust_policy_id}</span>)
          </>
        ) : (
          ' since deleted'
        )}
        , for these claims of its identity token:
      </p>
      <dl className="token-claims">
        {claims.map(([name, value]) => (
          <div key={name}>
            <dt className="mono">{name}</dt>
            <dd className="mono">{typeof value === 'string' ? value : JSON.stringify(value)}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function Usage({ token }: { token: Token }) {
  const [range, setRange] = useState<UsageRange>('24h');
  const usage = useTokenUsage(token.id, range);
  const daily = USAGE_RANGES[range] >= 30;
  const points = usage.data ? (daily ? byLocalDay(usage.data.points) : usage.data.points) : [];
  return (
    <section className="token-section" aria-labelledby="usage-title">
      <div className="token-section-head">
        <h2 id="usage-title">Requests</h2>
        <fieldset className="segmented" aria-label="Range">
          {(Object.keys(USAGE_RANGES) as UsageRange[]).map((r) => (
            <button key={r} type="button" aria-pressed={r === range} onClick={() => setRange(r)}>
              {r}
            </button>
          ))}
        </fieldset>
      </div>
      {token.last_used_at === null ? (
        <EmptyState icon={<BarChart3 size={22} />} title="Not used yet">
          Requests made with this token will show here, per hour and per day, for 90 days.
        </EmptyState>
      ) : usage.isError ? (
        <p className="section-note">The usage could not be loaded.</p>
      ) : usage.data ? (
        <UsageChart points={points} bucket={daily ? 'day' : 'hour'} />
      ) : (
        <div className="usage-chart" />
      )}
    </section>
  );
}

function Origins({ token }: { token: Token }) {
  const origins = useTokenOrigins(token.id);
  const items = origins.data?.items ?? [];
  return (
    <section className="token-section" aria-labelledby="origins-title">
      <div className="token-section-head">
        <h2 id="origins-title">Where it is used from</h2>
      </div>
      {items.length === 0 ? (
        <EmptyState
          icon={<Globe size={22} />}
          title={origins.isError ? 'The addresses could not be loaded' : 'No addresses yet'}
        >
          The last 20 addresses and user agents this token is used from show here.
        </EmptyState>
      ) : (
        <table className="table" data-testid="origins">
          <thead>
            <tr>
              <th scope="col">Address</th>
              <th scope="col">User agent</th>
              <th scope="col">First seen</th>
              <th scope="col">Last seen</th>
              <th scope="col" className="num">
                Requests
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((o) => (
              <tr key={`${o.ip} ${o.user_agent ?? ''}`} data-testid="origin-row">
                <td className="mono">{o.ip}</td>
                <td title={o.user_agent ?? undefined}>
                  {o.user_agent ? describeUserAgent(o.user_agent) : '—'}
                </td>
                <td>
                  <RelativeTime
                    at={o.first_seen_at}
                    caption="First seen"
                    phrase={(now) => timeAgo(new Date(o.first_seen_at), now)}
                  />
                </td>
                <td>
                  <RelativeTime
                    at={o.last_seen_at}
                    caption="Last seen"
                    phrase={(now) => timeAgo(new Date(o.last_seen_at), now)}
                  />
                </td>
                <td className="num">{o.uses.toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The audit log is the Admins': others see no trail here either. */
function Trail({ token }: { token: Token }) {
  const account = useAccount();
  if (!roleAtLeast(account.role, 'admin')) return null;
  return <AdminTrail token={token} />;
}

function AdminTrail({ token }: { token: Token }) {
  const log = useAuditLog({ actorId: '', targetId: token.id, action: '' });
  const events = log.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section className="token-section" aria-labelledby="trail-title">
      <div className="token-section-head">
        <h2 id="trail-title">History</h2>
        <Link to={`${paths.audit}?target=${encodeURIComponent(token.id)}`}>Open in the audit log</Link>
      </div>
      {events.length === 0 ? (
        <EmptyState
          icon={<ScrollText size={22} />}
          title={log.isError ? 'The history could not be loaded' : 'Nothing yet'}
        />
      ) : (
        <ol className="trail" data-testid="token-trail">
          {events.map((event) => {
            const detail = actionDetail(event);
            return (
              <li key={event.id}>
                <span className="trail-action">{ACTIONS[event.action] ?? event.action}</span>
                {detail ? <span className="cell-secondary"> · {detail}</span> : null}
                <span className="cell-secondary">
                  {' '}
                  · {event.actor?.label ?? 'Tessera'} ·{' '}
                  <RelativeTime
                    at={event.at}
                    caption="At"
                    phrase={(now) => timeAgo(new Date(event.at), now)}
                  />
                </span>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
