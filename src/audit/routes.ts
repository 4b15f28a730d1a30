import { callerOf } from '../platform/http/request-caller.ts';
import { ErrorBody, page } from '../platform/http/schemas.ts';
import type { App } from '../platform/http/types.ts';
import type { AuditLog } from './audit-log.ts';
import { AuditEvent, AuditQuery } from './schemas.ts';

export function auditRoutes(app: App, services: { audit: AuditLog }): void {
  app.get(
    '/api/audit',
    {
      schema: {
        tags: ['Audit'],
        summary: 'The audit log, newest first',
        description:
          'Admins. Who did what to which token or account, from where; failed authentications are summed ' +
          'per code, address and token each second (`details.count`).',
        querystring: AuditQuery,
        response: { 200: page(AuditEvent), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => services.audit.list(callerOf(request), request.query),
  );
}
