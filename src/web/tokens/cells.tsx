import { ArrowUpRight, KeyRound, RefreshCw } from 'lucide-react';
import { Link } from 'react-router';
import { API_SCOPE_DESCRIPTIONS, isApiScope } from '../../core/scopes.ts';
import { exactTime, expirationPhrase, lastUsedPhrase, timeUntil } from '../../core/time-phrases.ts';
import type { TokenStatus } from '../../core/token-status.ts';
import type { Owner, Token } from '../api/types.ts';
import { paths } from '../paths.ts';
import { Avatar } from '../ui/Avatar.tsx';
import { STATUS_LABEL, STATUS_TONE } from '../ui/Badge.tsx';
import { useNow } from '../ui/now.tsx';
import { RelativeTime } from '../ui/RelativeTime.tsx';
import { Tooltip } from '../ui/Tooltip.tsx';

const SOON_MS = 7 * 24 * 60 * 60 * 1000;

/** The key icon on green / orange / red; its accessible name is the status. */
export function KeyIcon({ status }: { status: TokenStatus }) {
  return (
    <span
      className={`key-icon key-icon-${STATUS_TONE[status]}`}
      role="img"
      aria-label={STATUS_LABEL[status]}
      title={STATUS_LABEL[status]}
    >
      <KeyRound size={17} aria-hidden="true" strokeWidth={2.2} />
    </span>
  );
}

/**
 * Service User: avatar or initials, name, email; the internal ID when name and email are both missing;
 * and an arrow to Users filtered to this account.
 */
export function ServiceUserCell({ owner }: { owner: Owner }) {
  const noNameNorEmail = !owner.name && !owner.email;
  const label = owner.name || owner.email || owner.internal_id || owner.id;
  return (
    <div className="cell-stack">
      <Avatar person={owner} size={32} />
      <div className="cell-lines">
        {noNameNorEmail ? (
          <span className="cell-primary mono" data-testid="service-user-internal-id">
            {owner.internal_id ?? owner.id}
          </span>
        ) : (
          <>
            <span className="cell-primary">{owner.name ?? owner.email}</span>
            {owner.name && owner.email ? (
              <span className="cell-secondary cell-truncate" title={owner.email}>
                {owner.email}
              </span>
            ) : null}
          </>
        )}
      </div>
      <Link
        className="arrow-link"
        to={paths.usersFilteredTo(owner.id)}
        aria-label={`Open ${label} in Users`}
        title={`Open ${label} in Users`}
      >
        <ArrowUpRight size={16} aria-hidden="true" />
      </Link>
    </div>
  );
}

/** Token: key icon, name, and under it the expiration with its exact date and time on hover and focus. */
export function TokenCell({ token }: { token: Token }) {
  const now = useNow();
  const expiresAt = token.expires_at;
  const soon =
    token.status === 'active' &&
    expiresAt !== null &&
    new Date(expiresAt).getTime() - now.getTime() < SOON_MS;
  return (
    <div className="cell-stack">
      <KeyIcon status={token.status} />
      <div className="cell-lines">
        <Link className="cell-primary token-link" to={paths.token(token.kind, token.id)}>
          {token.name}
        </Link>
        {token.description ? (
          <span
            className="cell-secondary token-description"
            data-testid="token-description"
            title={token.description}
          >
            {token.description}
          </span>
        ) : null}
        <RotationNote token={token} now={now} />
        <span className="cell-secondary expiration" data-testid="expiration">
          {expiresAt === null ? (
            'Never'
          ) : (
            <RelativeTime
              at={expiresAt}
              caption={new Date(expiresAt).getTime() > now.getTime() ? 'Expires' : 'Expired'}
              phrase={(at) => expirationPhrase(expiresAt, at)}
              className={token.status === 'expired' ? 'reltime-expired' : soon ? 'reltime-soon' : undefined}
            />
          )}
          {token.federation ? (
            <span className="tag" data-testid="federated" title={federationSummary(token.federation.claims)}>
              federated
            </span>
          ) : null}
          {token.allowed_networks ? (
            <span className="tag" data-testid="allowed-networks" title={token.allowed_networks.join(', ')}>
              {token.allowed_networks.length === 1
                ? token.allowed_networks[0]
                : `${token.allowed_networks.length} networks`}
            </span>
          ) : null}
        </span>
        <ScopeChips scopes={token.scopes} />
      </div>
    </div>
  );
}

/** The CI claims that earned a federated token, one per line, for its tag's tooltip. */
function federationSummary(claims: Record<string, unknown>): string {
  const lines = ['Issued to a CI job through a trust policy'];
  for (const name of ['sub', 'repository', 'ref', 'workflow', 'run_id', 'project_path', 'pipeline_id']) {
    const value = claims[name];
    if (value !== undefined) lines.push(`${name}: ${String(value)}`);
  }
  return lines.join('\n');
}

/**
 * Where the token stands in a rotation: "Replaced — stops in 45 minutes" (or "Replaced" once stopped),
 * the replacement's name in the tooltip; the replacement says what it replaced.
 */
function RotationNote({ token, now }: { token: Token; now: Date }) {
  const stopsAt = token.revoked_at;
  if (token.replaced_by !== null || (token.revoked_reason === 'rotated' && stopsAt !== null)) {
    const pending =
      token.status === 'active' && stopsAt !== null && new Date(stopsAt).getTime() > now.getTime();
    const by = token.replaced_by
      ? `Replaced by “${token.replaced_by.name}”`
      : 'Replaced by a token since deleted';
    return (
      <Tooltip
        content={
          <span className="tooltip-time">
            {by}
            {stopsAt ? (
              <span className="tooltip-caption">
                {' '}
                {pending ? 'stops' : 'stopped'} {exactTime(stopsAt)}
              </span>
            ) : null}
          </span>
        }
      >
        <button
          type="button"
          className={`rotation-note ${pending ? 'rotation-note-pending' : ''}`}
          data-testid="rotation-note"
        >
          <RefreshCw size={12} aria-hidden="true" />
          {pending && stopsAt ? `Replaced — stops ${timeUntil(new Date(stopsAt), now)}` : 'Replaced'}
        </button>
      </Tooltip>
    );
  }
  if (token.replaces !== null) {
    return (
      <span className="rotation-note" data-testid="rotation-note">
        <RefreshCw size={12} aria-hidden="true" />
        Replaces “{token.replaces.name}”
      </span>
    );
  }
  return null;
}

/** Last Used: "Last used 1 day ago" with the exact time, or "Not used yet" with the creation date. */
export function LastUsedCell({ token }: { token: Token }) {
  const lastUsed = token.last_used_at;
  return (
    <span className="last-used" data-testid="last-used">
      {lastUsed === null ? (
        <RelativeTime at={token.created_at} caption="Created" phrase={(now) => lastUsedPhrase(null, now)} />
      ) : (
        <RelativeTime
          at={lastUsed}
          caption="Last used"
          phrase={(now) => lastUsedPhrase(lastUsed, now)}
          extra={token.last_used_ip ? `from ${token.last_used_ip}` : undefined}
        />
      )}
    </span>
  );
}

/**
 * A token's scopes as chips; Tessera's own by their labels. In a list "Full API" stays unsaid (it is the
 * default); on its own page (`all`) a token says all it may do.
 */
export function ScopeChips({
  scopes,
  all = false,
  testId = 'scopes',
}: {
  scopes: readonly string[];
  all?: boolean;
  testId?: string;
}) {
  const shown = all ? scopes : scopes.filter((scope) => scope !== 'api');
  if (shown.length === 0 && scopes.length > 0) return null;
  return (
    <span className="scope-chips" data-testid={testId}>
      {scopes.length === 0 ? <span className="tag tag-muted">No scopes</span> : null}
      {shown.map((scope) => (
        <span
          key={scope}
          className="tag"
          title={isApiScope(scope) ? API_SCOPE_DESCRIPTIONS[scope].description : scope}
        >
          {isApiScope(scope) ? API_SCOPE_DESCRIPTIONS[scope].label : scope}
        </span>
      ))}
    </span>
  );
}
