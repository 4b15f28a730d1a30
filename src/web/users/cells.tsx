import { KeyRound } from 'lucide-react';
import { ROLE_LABELS, type Role } from '../../core/roles.ts';
import { timeAgo } from '../../core/time-phrases.ts';
import type { Account } from '../api/types.ts';
import { Avatar } from '../ui/Avatar.tsx';
import { Badge } from '../ui/Badge.tsx';
import { RelativeTime } from '../ui/RelativeTime.tsx';
import { Tooltip } from '../ui/Tooltip.tsx';

/** The avatar with a dot for the account's status; the dot is an image named "Active" / "Deactivated". */
export function AvatarWithStatus({ account, size = 34 }: { account: Account; size?: number }) {
  const active = account.status === 'active';
  return (
    <span className="avatar-status-wrap">
      <Avatar person={account} size={size} />
      <span
        className={`avatar-status ${active ? 'avatar-status-active' : 'avatar-status-deactivated'}`}
        role="img"
        aria-label={active ? 'Active' : 'Deactivated'}
        title={active ? 'Active' : 'Deactivated'}
      />
    </span>
  );
}

/** Name and email; a service user with neither shows its internal ID (SPEC §1). */
export function UserCell({ account, isMe }: { account: Account; isMe: boolean }) {
  const primary = account.name || account.email || account.internal_id || account.id;
  const onlyInternalId = !account.name && !account.email;
  const secondary = onlyInternalId ? null : account.name ? (account.email ?? account.internal_id) : null;
  return (
    <div className="cell-stack">
      <AvatarWithStatus account={account} />
      <div className="cell-lines">
        <span className="cell-primary">
          <span className={onlyInternalId ? 'mono' : undefined} data-testid="user-name">
            {primary}
          </span>
          {isMe ? <span className="tag">You</span> : null}
          {account.status === 'deactivated' ? <span className="tag tag-deactivated">Deactivated</span> : null}
          {account.scim_updated_at ? (
            <span className="tag tag-scim" title="Created or changed by your identity provider through SCIM">
              SCIM
            </span>
          ) : null}
        </span>
        {secondary ? (
          <span
            className={`cell-secondary cell-truncate ${secondary === account.internal_id ? 'mono' : ''}`}
            title={secondary}
          >
            {secondary}
          </span>
        ) : null}
      </div>
    </div>
  );
}

export function TypeCell({ account }: { account: Account }) {
  if (account.kind === 'human')
    return (
      <span className="cell-lines">
        <span className="type-cell">Human</span>
        <SignInMethods account={account} />
      </span>
    );
  return (
    <span className="type-cell">
      <span className="type-icon" role="img" aria-label="Service user" title="Service user">
        <KeyRound size={13} aria-hidden="true" strokeWidth={2.2} />
      </span>
      Service
    </span>
  );
}

const SIGN_IN_LABELS = { sso: 'SSO', password: 'Password' } as const;

/** How a person signs in: through the identity provider (SSO), with a password, or both. */
function SignInMethods({ account }: { account: Account }) {
  if (account.sign_in_methods.length === 0) return null;
  const labels = [...account.sign_in_methods]
    .sort()
    .reverse()
    .map((method) => SIGN_IN_LABELS[method]);
  return (
    <span className="cell-secondary" data-testid="sign-in-methods" title="How they sign in">
      {labels.join(' · ')}
    </span>
  );
}

export function RoleBadge({ role }: { role: Role }) {
  return <Badge tone={role === 'admin' ? 'blue' : 'gray'}>{ROLE_LABELS[role]}</Badge>;
}

const SHOWN_TEAMS = 2;

/** Teams other than Public (everyone is in it); "Public only" when that is all. */
export function TeamsCell({ account }: { account: Account }) {
  const teams = account.teams.filter((team) => team.name !== 'Public');
  if (teams.length === 0) return <span className="muted">Public only</span>;
  const shown = teams.slice(0, SHOWN_TEAMS);
  const rest = teams.slice(SHOWN_TEAMS);
  return (
    <span className="team-list">
      {shown.map((team) => (
        <span key={team.id} className="team-chip">
          {team.name}
        </span>
      ))}
      {rest.length > 0 ? (
        <Tooltip content={rest.map((team) => team.name).join(', ')}>
          <button
            type="button"
            className="team-chip team-chip-more"
            aria-label={`${rest.length} more: ${rest.map((t) => t.name).join(', ')}`}
          >
            +{rest.length}
          </button>
        </Tooltip>
      ) : null}
    </span>
  );
}

/** "3 minutes ago" with the exact time on hover and focus; "Never" when never signed in nor used. */
export function LastActiveCell({ account }: { account: Account }) {
  if (!account.last_active_at) return <span className="muted">Never</span>;
  return (
    <span className="last-active">
      <RelativeTime
        at={account.last_active_at}
        phrase={(now) => {
          const text = timeAgo(new Date(account.last_active_at!), now);
          return text.charAt(0).toUpperCase() + text.slice(1);
        }}
        caption={account.kind === 'service' ? 'Last token use' : 'Last sign-in or token use'}
      />
    </span>
  );
}

const dateOnly = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium' });

export function CreatedCell({ at }: { at: string }) {
  return (
    <time className="created" dateTime={at}>
      {dateOnly.format(new Date(at))}
    </time>
  );
}
