import { type Command, Option } from 'commander';
import { MAX_EXPIRATION_DAYS } from '../../core/expiration.ts';
import { findSecrets } from '../../core/secret.ts';
import { TOKEN_KINDS, type TokenKind } from '../../core/token-kind.ts';
import { isActionAllowed, TOKEN_STATUSES, type TokenStatus } from '../../core/token-status.ts';
import type { GeneratedToken, Token } from './api-types.ts';
import { type ClientContext, withContext } from './context.ts';
import { usageError } from './errors.ts';
import { example } from './help-example.ts';
import { isId, resolveAccount, resolveToken } from './name-resolution.ts';
import { type Colour, type Output, ownerLabel } from './output.ts';
import { confirm } from './prompts.ts';

const STATUS_COLOURS: Record<TokenStatus, Colour> = { active: 'green', revoked: 'red', expired: 'yellow' };

/** `30d`, `90d`, `1y` or `never` as the API's `expires_in_days`. */
export function expirationDays(value: string): number | null {
  const text = value.trim().toLowerCase();
  if (text === 'never') return null;
  const match = /^(\d+)\s*(d|days?|y|years?)$/.exec(text);
  const days = match ? Number(match[1]) * (match[2]!.startsWith('y') ? 365 : 1) : Number.NaN;
  if (!Number.isInteger(days) || days < 1 || days > MAX_EXPIRATION_DAYS) {
    throw usageError(
      `--expires: "${value}" is not a whole number of days from 1d to ${MAX_EXPIRATION_DAYS}d, 1y, or never.`,
    );
  }
  return days;
}

function statusesOf(value: string | undefined): TokenStatus[] | undefined {
  if (value === undefined) return undefined;
  const statuses = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const status of statuses) {
    if (!(TOKEN_STATUSES as readonly string[]).includes(status)) {
      throw usageError(`--status: "${status}" is not one of ${TOKEN_STATUSES.join(', ')}.`);
    }
  }
  return statuses as TokenStatus[];
}

/** `--service-user` as an ID: a name is looked up among the service users the caller may see. */
async function serviceUserId(context: ClientContext, value: string): Promise<string> {
  return isId(value) ? value : (await resolveAccount(context.api(), value, 'service')).id;
}

function tokenTable(output: Output, tokens: readonly Token[], withOwner: boolean): void {
  const headers = ['NAME', 'STATUS', 'EXPIRES', 'LAST USED', 'SCOPES', ...(withOwner ? ['OWNER'] : []), 'ID'];
  output.table(
    headers,
    tokens.map((token) => [
      token.name,
      output.paint(token.status, STATUS_COLOURS[token.status]),
      output.when(token.expires_at, 'never'),
      output.when(token.last_used_at, 'never'),
      token.scopes.length > 0 ? token.scopes.join(' ') : '(none)',
      ...(withOwner ? [ownerLabel(token.owner)] : []),
      token.id,
    ]),
  );
}

interface ListOptions {
  kind?: TokenKind;
  status?: string;
  serviceUser?: string;
  json?: boolean;
}

interface ChangeOptions {
  kind?: TokenKind;
  reason?: string;
  yes?: boolean;
  json?: boolean;
}

export function tokenCommands(program: Command): void {
  const tokens = program.command('tokens').description('List, create, revoke, restore and delete tokens.');

  tokens
    .command('list')
    .description('Your personal tokens, or the service tokens (Admins). Newest first; every page is fetched.')
    .addOption(new Option('--kind <kind>', 'personal or service').choices(TOKEN_KINDS))
    .option('--status <statuses>', `only these, comma-separated: ${TOKEN_STATUSES.join(', ')}`)
    .option('--service-user <id-or-name>', 'the service tokens of one service user (implies --kind service)')
    .option('--json', 'print the API objects, as a JSON array')
    .addHelpText(
      'after',
      example('tessera tokens list', 'tessera tokens list --kind service --status active,revoked --json'),
    )
    .action(
      withContext(async (context, options: ListOptions) => {
        const status = statusesOf(options.status);
        if (options.serviceUser && options.kind === 'personal') {
          throw usageError('--service-user: only service tokens have one; drop --kind personal.');
        }
        const kind = options.serviceUser ? 'service' : (options.kind ?? 'personal');
        const service_user_id = options.serviceUser
          ? await serviceUserId(context, options.serviceUser)
          : undefined;
        const items = await context.api().all<Token>('/api/tokens', {
          kind,
          status: status?.join(','),
          service_user_id,
        });
        if (options.json) return context.output.json(items);
        if (items.length === 0) return context.output.say(`No ${kind} tokens.`);
        tokenTable(context.output, items, kind === 'service');
      }),
    );

  tokens
    .command('create')
    .description(
      'Generate a token. Standard output gets the secret alone (no newline when it is not a terminal), ' +
        'everything else goes to standard error: redirect it to a file or pipe it on.',
    )
    .option('--name <name>', 'the token name, unique among its owner’s tokens (required)')
    .option('--expires <when>', `30d, 90d, 1y (any 1d–${MAX_EXPIRATION_DAYS}d) or never`, '30d')
    .option('--service-user <id-or-name>', 'make a service token for this service user (Admins)')
    .option('--description <text>', 'what the token is for, shown under its name (up to 500 characters)')
    .option(
      '--scope <scope>',
      'a scope for the token, repeatable: api (the default), read_api, scim (Admins) or one from the catalog',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--json', 'print the API object instead: the token and its secret')
    .addHelpText(
      'after',
      example(
        'tessera tokens create --name laptop --expires 90d > token.txt',
        'tessera tokens create --name deploy --service-user svc-ci | gh secret set TESSERA_TOKEN',
        'tessera tokens create --name reports --scope read_api --scope reports:read',
      ),
    )
    .action(
      withContext(
        async (
          context,
          options: {
            name: string;
            expires: string;
            serviceUser?: string;
            description?: string;
            scope?: string[];
            json?: boolean;
          },
        ) => {
          // Checked here rather than by commander, which would report it before a mistyped flag.
          if (!options.name) throw usageError('tokens create: --name is required.');
          const expires_in_days = expirationDays(options.expires);
          const service_user_id = options.serviceUser
            ? await serviceUserId(context, options.serviceUser)
            : undefined;
          const generated = await context.api().request<GeneratedToken>('POST', '/api/tokens', {
            body: {
              name: options.name,
              kind: service_user_id ? 'service' : 'personal',
              expires_in_days,
              ...(service_user_id ? { service_user_id } : {}),
              ...(options.description ? { description: options.description } : {}),
              ...(options.scope ? { scopes: options.scope } : {}),
            },
          });
          const { output } = context;
          if (options.json) return output.json(generated);
          const { token } = generated;
          const owner = token.kind === 'service' ? ` for ${ownerLabel(token.owner)}` : '';
          output.say(
            `Created ${token.kind} token "${token.name}"${owner} (${token.id}), ` +
              `${token.expires_at ? `expiring ${output.when(token.expires_at, 'never')}` : 'never expiring'}. ` +
              'The secret is shown this once.',
          );
          output.print(process.stdout.isTTY ? `${generated.secret}\n` : generated.secret);
        },
      ),
    );

  tokens
    .command('revoke')
    .description('Revoke an active token: it stops working at once. Asks first, unless --yes.')
    .argument('<token>', 'the token ID, or its name')
    .addOption(new Option('--kind <kind>', 'look the name up among these tokens only').choices(TOKEN_KINDS))
    .option('--reason <reason>', 'why, for the audit log and the token’s page')
    .option('-y, --yes', 'do not ask')
    .option('--json', 'print the revoked token as the API returns it')
    .addHelpText('after', example('tessera tokens revoke laptop --reason "laptop stolen" --yes'))
    .action(
      withContext(async ({ api, output }, idOrName: string, options: ChangeOptions) => {
        const client = api();
        const token = await resolveToken(client, idOrName, options.kind);
        // A token that cannot be revoked goes to the server unasked, to hear its code and message.
        const ask = isActionAllowed('revoke', token.status);
        if (
          ask &&
          !(await confirm(`Revoke ${token.kind} token "${token.name}" (${token.id})?`, options.yes))
        ) {
          return output.say('Nothing revoked.');
        }
        const revoked = await client.request<Token>('POST', `/api/tokens/${token.id}/revoke`, {
          body: options.reason ? { reason: options.reason } : {},
        });
        if (options.json) output.json(revoked);
        output.say(`Revoked token "${revoked.name}" (${revoked.id}).`);
      }),
    );

  tokens
    .command('restore')
    .description('Restore a revoked token (an expired one cannot come back).')
    .argument('<token>', 'the token ID, or its name')
    .addOption(new Option('--kind <kind>', 'look the name up among these tokens only').choices(TOKEN_KINDS))
    .option('--json', 'print the restored token as the API returns it')
    .addHelpText('after', example('tessera tokens restore laptop'))
    .action(
      withContext(async ({ api, output }, idOrName: string, options: ChangeOptions) => {
        const client = api();
        const token = await resolveToken(client, idOrName, options.kind);
        const restored = await client.request<Token>('POST', `/api/tokens/${token.id}/restore`);
        if (options.json) output.json(restored);
        output.say(`Restored token "${restored.name}" (${restored.id}).`);
      }),
    );

  tokens
    .command('delete')
    .description(
      'Delete a revoked or expired token for good (the audit log keeps a record). Asks first, unless --yes.',
    )
    .argument('<token>', 'the token ID, or its name')
    .addOption(new Option('--kind <kind>', 'look the name up among these tokens only').choices(TOKEN_KINDS))
    .option('-y, --yes', 'do not ask')
    .addHelpText('after', example('tessera tokens delete laptop --yes'))
    .action(
      withContext(async ({ api, output }, idOrName: string, options: ChangeOptions) => {
        const client = api();
        const token = await resolveToken(client, idOrName, options.kind);
        const ask = isActionAllowed('delete', token.status);
        if (
          ask &&
          !(await confirm(`Delete ${token.kind} token "${token.name}" (${token.id}) for good?`, options.yes))
        ) {
          return output.say('Nothing deleted.');
        }
        await client.request('DELETE', `/api/tokens/${token.id}`);
        output.say(`Deleted token "${token.name}" (${token.id}).`);
      }),
    );

  tokens
    .command('rotate')
    .description(
      'Replace a token with a new one (same name, owner and description); the old secret keeps working ' +
        'for the grace period. Standard output gets the new secret alone, as with create.',
    )
    .argument('<token>', 'the token ID, or its name')
    .addOption(new Option('--kind <kind>', 'look the name up among these tokens only').choices(TOKEN_KINDS))
    .option('--grace <time>', 'how long the old secret keeps working: 0, 30m, 1h, 24h, 7d', '1h')
    .option('--expires <when>', 'the new lifetime (default: as long as the old one): 90d, 1y or never')
    .option('--json', 'print the API object instead: the new token and its secret')
    .addHelpText('after', example('tessera tokens rotate deploy --grace 24h | gh secret set TESSERA_TOKEN'))
    .action(
      withContext(
        async (
          { api, output },
          idOrName: string,
          options: { kind?: TokenKind; grace: string; expires?: string; json?: boolean },
        ) => {
          const grace_period_minutes = graceMinutes(options.grace);
          const expires =
            options.expires === undefined ? {} : { expires_in_days: expirationDays(options.expires) };
          const client = api();
          const token = await resolveToken(client, idOrName, options.kind);
          const rotated = await client.request<GeneratedToken>('POST', `/api/tokens/${token.id}/rotate`, {
            body: { grace_period_minutes, ...expires },
          });
          if (options.json) return output.json(rotated);
          output.say(
            `Rotated token "${token.name}": the new one is ${rotated.token.id}; the old secret ` +
              `${grace_period_minutes === 0 ? 'stopped at once' : `works for ${options.grace} more`}. ` +
              'The new secret is shown this once.',
          );
          output.print(process.stdout.isTTY ? `${rotated.secret}\n` : rotated.secret);
        },
      ),
    );

  tokens
    .command('revoke-leaked')
    .description(
      'Revoke every Tessera secret found in standard input (a log, a diff), by its value (RFC 7009): ' +
        'anyone holding a secret may kill it. The server answers the same for any string, so the count is ' +
        'of secrets sent, each well-formed with a valid checksum.',
    )
    .addHelpText('after', example('tessera tokens revoke-leaked < build.log'))
    .action(
      withContext(async ({ api, output }) => {
        const secrets = findSecrets(await readStdin());
        if (secrets.length === 0) return output.say('No Tessera secret found in standard input.');
        const client = api();
        for (const secret of secrets) {
          await client.request('POST', '/api/revoke', { body: { token: secret } });
          output.say(`Sent the ${secretKind(secret)} secret ending in …${secret.slice(-4)} to be revoked.`);
        }
        output.say(
          `${secrets.length} secret${secrets.length === 1 ? '' : 's'} sent: each that was still valid is revoked now.`,
        );
      }),
    );
  // `tokens create --scope` comes once tokens have scopes.
}

/** `0`, `now`, `30m`, `1h`, `24h`, `7d` as whole minutes (the API allows up to 7 days). */
export function graceMinutes(value: string): number {
  const text = value.trim().toLowerCase();
  if (text === '0' || text === 'now') return 0;
  const match = /^(\d+)\s*(m|min|h|d)$/.exec(text);
  const minutes = match
    ? Number(match[1]) * (match[2] === 'd' ? 1440 : match[2] === 'h' ? 60 : 1)
    : Number.NaN;
  if (!Number.isInteger(minutes) || minutes < 0 || minutes > 10_080) {
    throw usageError(`--grace: "${value}" is not 0 or a time up to 7d, such as 30m, 1h, 24h or 7d.`);
  }
  return minutes;
}

function secretKind(secret: string): string {
  return secret.startsWith('tsr_svc_') ? 'service' : 'personal';
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY)
    throw usageError('revoke-leaked reads the text from standard input: tessera tokens revoke-leaked < file');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
