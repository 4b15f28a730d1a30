import { ArrowUpRight, KeyRound } from 'lucide-react';
import { Link } from 'react-router';
import { expirationPhrase, lastUsedPhrase } from '../../core/time-phrases.ts';
import type { TokenStatus } from '../../core/token-status.ts';
import type { Owner, Token } from '../api/types.ts';
import { paths } from '../paths.ts';
import { Avatar } from '../ui/Avatar.tsx';
import { STATUS_LABEL, STATUS_TONE } from '../ui/Badge.tsx';
import { useNow } from '../ui/now.tsx';
import { RelativeTime } from '../ui/RelativeTime.tsx';

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
        <span className="cell-primary">{token.name}</span>
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
          {token.scim_only ? <span className="tag">SCIM only</span> : null}
        </span>
      </div>
    </div>
  );
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
