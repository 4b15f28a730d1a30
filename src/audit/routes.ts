import { callerOf } from '../auth/hook.ts';
import { AuditEvent, AuditQuery, ErrorBody, page } from '../platform/http/schemas.ts';
import type { App } from '../platform/http/types.ts';
import type { Services } from '../services.ts';

export function auditRoutes(app: App, services: Services): void {
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
