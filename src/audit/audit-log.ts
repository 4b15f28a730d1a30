import type { Kysely } from 'kysely';
import { isoTime } from '../core/iso-time.ts';
import { accountHandle, type Caller, requireRole } from '../platform/caller.ts';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/schema.ts';
import { insertAuditEvents, listAuditEvents, type NewAuditEvent } from './queries.ts';

export const AUDIT_ACTIONS = [
  'token.created',
  'token.revoked',
  'token.rotated',
  'token.updated',
  'token.restored',
  'token.deleted',
  'token_policy.updated',
  'trust_policy.created',
  'trust_policy.updated',
  'trust_policy.deleted',
  'token.exchange_refused',
  'scope.created',
  'scope.updated',
  'scope.deleted',
  'account.created',
  'account.updated',
  'account.deactivated',
  'account.reactivated',
  'account.password_reset',
  'account.password_changed',
  'account.deprovisioned',
  'account.reprovisioned',
  'team.created',
  'team.updated',
  'team.deleted',
  'session.created',
  'session.ended',
  'session.failed',
  'auth.failed',
  'webhook.created',
  'webhook.updated',
  'webhook.deleted',
  'notification_settings.updated',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * A command run on the server (`tessera make-admin`), which no account makes: `command` is what ran
 * and `runBy` who ran it where (`root@host`), recorded where a request's user agent would be.
 */
export interface CommandLineActor {
  command: string;
  runBy: string;
}

/**
 * Who acted: a caller; for an anonymous request (a failed sign-in) only where it came from; or the
 * command line.
 */
export type AuditActor = Caller | { ip: string; userAgent: string | null } | CommandLineActor;

export const COMMAND_LINE_LABEL = 'command line';

export interface AuditTarget {
  type: 'token' | 'account' | 'team' | 'webhook';
  id: string;
  label: string;
}

interface FailedAuthentication {
  code: string;
  ip: string;
  userAgent: string | null;
  tokenId: string | null;
  hint: string | null;
  first: Date;
  last: Date;
  count: number;
}

/**
 * Told of every change recorded, in the transaction that makes it: what must happen if and only if the
 * change commits (a notification's outbox row) is written here.
 */
export type AuditObserver = (db: Kysely<Database>, event: NewAuditEvent) => Promise<void>;

/** Most distinct (code, address, token) failures held between flushes; beyond it they are only counted. */
const FAILED_BUFFER_LIMIT = 10_000;

/**
 * The append-only record of who did what. Changes are recorded in the transaction that makes them.
 * Failed authentications are summed in memory per (code, address, token) and written once a second,
 * so a flood of bad tokens cannot turn into a flood of inserts.
 */
export class AuditLog {
  readonly #db: Kysely<Database>;
  readonly #clock: Clock;
  #failed = new Map<string, FailedAuthentication>();
  #overflow = 0;
  readonly #observers: AuditObserver[] = [];

  constructor(deps: { db: Kysely<Database>; clock: Clock }) {
    this.#db = deps.db;
    this.#clock = deps.clock;
  }

  /** Record one event with `db` — pass the transaction that makes the change. */
  async record(
    db: Kysely<Database>,
    caller: AuditActor | null,
    action: AuditAction,
    target: AuditTarget | null,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    const event = this.#event(caller, action, target, details);
    await insertAuditEvents(db, [event]);
    for (const observer of this.#observers) await observer(db, event);
  }

  /** Call `observer` with every change recorded from now on, in its transaction. */
  observe(observer: AuditObserver): void {
    this.#observers.push(observer);
  }

  #event(
    caller: AuditActor | null,
    action: AuditAction,
    target: AuditTarget | null,
    details: Record<string, unknown>,
  ): NewAuditEvent {
    if (caller && 'command' in caller) {
      return {
        at: this.#clock.now(),
        action,
        actor_id: null,
        actor_label: COMMAND_LINE_LABEL,
        actor_token_id: null,
        target_type: target?.type ?? null,
        target_id: target?.id ?? null,
        target_label: target?.label ?? null,
        ip: null,
        user_agent: `${caller.command} (${COMMAND_LINE_LABEL}; ${caller.runBy})`,
        details: { ...details, via: COMMAND_LINE_LABEL },
      };
    }
    const principal = caller && 'principal' in caller ? caller.principal : undefined;
    const account = principal?.account;
    return {
      at: this.#clock.now(),
      action,
      actor_id: account?.id ?? null,
      actor_label: account ? accountHandle(account) : null,
      actor_token_id: principal?.token?.id ?? null,
      target_type: target?.type ?? null,
      target_id: target?.id ?? null,
      target_label: target?.label ?? null,
      ip: caller?.ip ?? null,
      user_agent: caller?.userAgent ?? null,
      details,
    };
  }

  /** Note a failed token authentication; written by the next flush. Never given the secret. */
  noteFailedAuthentication(failure: {
    code: string;
    ip: string;
    userAgent: string | null;
    tokenId: string | null;
    hint: string | null;
  }) {
    const key = `${failure.code}\u0000${failure.ip}\u0000${failure.tokenId ?? ''}`;
    const now = this.#clock.now();
    const existing = this.#failed.get(key);
    if (existing) {
      existing.count++;
      existing.last = now;
      return;
    }
    if (this.#failed.size >= FAILED_BUFFER_LIMIT) {
      this.#overflow++;
      return;
    }
    this.#failed.set(key, { ...failure, first: now, last: now, count: 1 });
  }

  get pendingFailures(): number {
    return this.#failed.size;
  }

  async flushFailures(): Promise<void> {
    if (this.#failed.size === 0 && this.#overflow === 0) return;
    const batch = [...this.#failed.values()];
    const overflow = this.#overflow;
    this.#failed = new Map();
    this.#overflow = 0;
    const events: NewAuditEvent[] = batch.map((f) => ({
      at: f.last,
      action: 'auth.failed',
      actor_id: null,
      actor_label: null,
      actor_token_id: null,
      target_type: f.tokenId ? 'token' : null,
      target_id: f.tokenId,
      target_label: f.hint ? `…${f.hint}` : null,
      ip: f.ip,
      user_agent: f.userAgent,
      details: { code: f.code, count: f.count, first_at: f.first.toISOString() },
    }));
    if (overflow > 0) {
      events.push({
        at: this.#clock.now(),
        action: 'auth.failed',
        actor_id: null,
        actor_label: null,
        actor_token_id: null,
        target_type: null,
        target_id: null,
        target_label: null,
        ip: null,
        user_agent: null,
        details: { code: 'many', count: overflow, note: 'more distinct failures than the buffer holds' },
      });
    }
    await insertAuditEvents(this.#db, events);
  }

  async list(
    caller: Caller,
    query: { actor_id?: string; target_id?: string; action?: string; cursor?: string; limit: number },
  ) {
    requireRole(caller, 'admin');
    const { rows, nextCursor } = await listAuditEvents(this.#db, {
      actorId: query.actor_id,
      targetId: query.target_id,
      action: query.action,
      beforeId: query.cursor,
      limit: query.limit,
    });
    return {
      items: rows.map((row) => ({
        id: row.id,
        at: isoTime(row.at),
        action: row.action,
        actor: row.actor_id
          ? { id: row.actor_id, label: row.actor_label, token_id: row.actor_token_id }
          : null,
        target: row.target_type
          ? { type: row.target_type, id: row.target_id, label: row.target_label }
          : null,
        ip: row.ip,
        user_agent: row.user_agent,
        details: row.details,
      })),
      next_cursor: nextCursor,
    };
  }
}
