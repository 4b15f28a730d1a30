import type { ReactNode } from 'react';
import type { TokenStatus } from '../../core/token-status.ts';

export type Tone = 'green' | 'orange' | 'red' | 'gray' | 'blue';

export const STATUS_TONE: Record<TokenStatus, Tone> = { active: 'green', revoked: 'orange', expired: 'red' };
export const STATUS_LABEL: Record<TokenStatus, string> = {
  active: 'Active',
  revoked: 'Revoked',
  expired: 'Expired',
};

export function Badge({ tone = 'gray', children }: { tone?: Tone; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

/** A token's status: Active (green), Revoked (orange), Expired (red). */
export function StatusBadge({ status }: { status: TokenStatus }) {
  return (
    <Badge tone={STATUS_TONE[status]}>
      <span className="badge-dot" aria-hidden="true" />
      {STATUS_LABEL[status]}
    </Badge>
  );
}
