import { readFileSync } from 'node:fs';
import { hashPassword } from '../accounts/index.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { checkSecret } from '../core/secret.ts';
import { openDatabase } from '../platform/database.ts';
import { randomUrlSafe } from '../platform/hashing.ts';
import { migrateToLatest } from '../platform/migrate.ts';
import { startServer } from '../server.ts';

const HELP = `Usage: tessera [command]

Commands:
  serve                    Start the server (the default). Configured by environment variables:
                           see docs/CONFIGURATION.md.
  check-secret [secret]    Check a token's format and checksum offline, without a database.
                           Reads the secret from standard input when it is not given, so it
                           stays out of your shell history. Exit status 0 when it is well-formed.
  migrate                  Bring the database schema up to date, then exit.
  reset-password <email>   Give a person a new generated password and print it once.
  help                     This text.
`;

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...args] = argv;
  switch (command) {
    case 'serve':
      return serve();
    case 'check-secret':
      return checkSecretCommand(args[0]);
    case 'migrate':
      return migrate();
    case 'reset-password':
      return resetPassword(args[0]);
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return 0;
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${HELP}`);
      return 2;
  }
}

async function serve(): Promise<number> {
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

function checkSecretCommand(arg: string | undefined): number {
  const secret = (arg ?? readFileSync(0, 'utf8')).trim();
  const result = checkSecret(secret);
  if (result.valid) {
    process.stdout.write(`valid ${result.kind} token format (checksum matches)\n`);
    return 0;
  }
  process.stdout.write(`not a valid Tessera token: bad ${result.reason}\n`);
  return 1;
}

async function migrate(): Promise<number> {
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

async function resetPassword(email: string | undefined): Promise<number> {
  if (!email) {
    process.stderr.write('Usage: tessera reset-password <email>\n');
    return 2;
  }
  const config = loadConfig();
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    const password = randomUrlSafe(12);
    const passwordHash = await hashPassword(password);
    const updated = await database.db
      .updateTable('accounts')
      .set({ password_hash: passwordHash })
      .where('kind', '=', 'human')
      .where((eb) => eb(eb.fn('lower', ['email']), '=', email.toLowerCase()))
      .returning('id')
      .executeTakeFirst();
    if (!updated) {
      process.stderr.write(`Nobody has the email ${email}.\n`);
      return 1;
    }
    await database.db.deleteFrom('sessions').where('account_id', '=', updated.id).execute();
    process.stdout.write(`New password for ${email}: ${password}\n`);
    return 0;
  } finally {
    await database.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      error instanceof ConfigError ? `${error.message}\n` : `${(error as Error)?.stack ?? String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
