// What other domains may use of the audit log.
export {
  type AuditActor,
  AuditLog,
  type AuditObserver,
  type AuditTarget,
  type CommandLineActor,
} from './audit-log.ts';
export { insertAuditEvents, type NewAuditEvent } from './queries.ts';
export { auditRoutes } from './routes.ts';
