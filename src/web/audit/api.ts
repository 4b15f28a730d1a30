import { usePagedList } from '../api/paged.ts';
import type { AuditEvent } from '../api/types.ts';

export interface AuditListParams {
  actorId: string;
  targetId: string;
  action: string;
}

export const AUDIT_PAGE_SIZE = 50;

export function useAuditLog(params: AuditListParams) {
  return usePagedList<AuditEvent>(['audit', params], '/api/audit', {
    actor_id: params.actorId,
    target_id: params.targetId,
    action: params.action,
    limit: AUDIT_PAGE_SIZE,
  });
}
