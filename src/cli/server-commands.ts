// The commands an operator runs on the server itself, on its database. Loaded only when one of them runs,
// so the client commands start without the server's modules.
import { hostname, userInfo } from 'node:os';
import { AccountService } from '../accounts/index.ts';
import { AuditLog, type CommandLineActor } from '../audit/index.ts';
import { loadConfig } from '../config.ts';
import { ChangeFeed } from '../platform/change-feed.ts';
import { systemClock } from '../platform/clock.ts';
import { openDatabase } from '../platform/database.ts';
import { AppError } from '../platform/errors.ts';
import { migrateToLatest } from '../platform/migrate.ts';
import { startServer } from '../server.ts';

export async function serve(): Promise<number> {
  const server = await startServer(loadConfig());
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`\n${signal}: finishing requests and writing pending last-used times…\n`);
      server.close().then(resolve, (error) => {
        process.stderr.write(`Shutdown failed: ${String(error)}\n`);
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

export async function migrate(): Promise<number> {
  const config = loadConfig();
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrateToLatest(database.db);
    process.stdout.write('The database schema is up to date.\n');
    return 0;
  } finally {
    await database.close();
  }
}

export async function resetPassword(args: string[]): Promise<number> {
  const [email, ...rest] = args;
  if (!email || email.startsWith('-') || rest.length > 0) {
    process.stderr.write('Usage: tessera reset-password <email>\n');
    return 2;
  }
  return withAccounts('tessera reset-password', async (accounts, actor) => {
    const { password } = await accounts.resetPassword(actor, email);
    process.stdout.write(`New password for ${email}: ${password}\n`);
  });
}

export async function makeAdmin(args: string[]): Promise<number> {
  const reactivate = args.includes('--reactivate');
  const rest = args.filter((arg) => arg !== '--reactivate');
  const [email] = rest;
  if (!email || email.startsWith('-') || rest.length > 1) {
    process.stderr.write('Usage: tessera make-admin [--reactivate] <email>\n');
    return 2;
  }
  return withAccounts('tessera make-admin', async (accounts, actor) => {
    const result = await accounts.makeAdmin(actor, email, { reactivate });
    const done = [result.reactivated ? 'reactivated' : null, result.promoted ? 'now an Admin' : null]
      .filter(Boolean)
      .join(' and ');
    process.stdout.write(done ? `${email} is ${done}.\n` : `${email} is already an active Admin.\n`);
  });
}

/**
 * Run a command through AccountService on the configured database, so that it is checked and audited
 * as a change made in the console is. An AppError (nobody with that email, …) is a message, not a stack.
 */
async function withAccounts(
  command: string,
  run: (accounts: AccountService, actor: CommandLineActor) => Promise<void>,
): Promise<number> {
  const config = loadConfig();
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    const db = database.db;
    const accounts = new AccountService({
      db,
      clock: systemClock,
      audit: new AuditLog({ db, clock: systemClock }),
      // No other node hears of it: a running server's cached token checks catch up within their TTL.
      changes: new ChangeFeed(),
    });
    await run(accounts, { command, runBy: whoRunsThis() });
    return 0;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  } finally {
    await database.close();
  }
}

/** `user@host`, for the audit log; a container may have no name for its user id. */
function whoRunsThis(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? `uid ${process.getuid?.() ?? '?'}`;
  }
  return `${user}@${hostname()}`;
}
