import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { AccountService } from './accounts.ts';
import { AuditLog } from './audit.ts';
import { TokenAuthenticator } from './authentication.ts';
import { ChangeFeed } from './change-feed.ts';
import type { Clock } from './clock.ts';
import { LastUsedRecorder } from './last-used.ts';
import { Metrics } from './metrics.ts';
import { SessionService } from './sessions.ts';
import { TeamService } from './teams.ts';
import { TokenService } from './tokens.ts';

export interface ServiceOptions {
  db: Kysely<Database>;
  clock: Clock;
  lastUsedFlushMs: number;
  sessionTtlHours: number;
  onBackgroundError: (error: unknown) => void;
}

/** Every use case, wired to one database, one clock and one set of metrics. */
export function createServices(options: ServiceOptions) {
  const { db, clock } = options;
  const metrics = new Metrics();
  const changes = new ChangeFeed();
  const audit = new AuditLog({ db, clock });
  const lastUsed = new LastUsedRecorder({
    db,
    metrics,
    intervalMs: options.lastUsedFlushMs,
    onError: options.onBackgroundError,
  });
  return {
    db,
    clock,
    metrics,
    changes,
    audit,
    lastUsed,
    tokens: new TokenService({ db, clock, audit, lastUsed, changes }),
    accounts: new AccountService({ db, clock, audit, changes }),
    teams: new TeamService({ db, audit }),
    sessions: new SessionService({ db, clock, audit, metrics, ttlHours: options.sessionTtlHours }),
    authenticator: new TokenAuthenticator({ db, clock, lastUsed, audit, metrics }),
  };
}

export type Services = ReturnType<typeof createServices>;
