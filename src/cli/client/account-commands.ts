import { type Command, Option } from 'commander';
import { ROLE_LABELS, ROLES, type Role } from '../../core/roles.ts';
import { ACCOUNT_KINDS, type AccountKind } from '../../core/token-kind.ts';
import type { Account } from './api-types.ts';
import { type ClientContext, withContext } from './context.ts';
import { usageError } from './errors.ts';
import { example } from './help-example.ts';
import { resolveAccount } from './name-resolution.ts';
import { type Output, ownerLabel } from './output.ts';
import { confirm } from './prompts.ts';

function accountTable(output: Output, accounts: readonly Account[]): void {
  output.table(
    ['NAME', 'EMAIL / INTERNAL ID', 'KIND', 'ROLE', 'STATUS', 'LAST ACTIVE', 'ACTIVE TOKENS', 'ID'],
    accounts.map((account) => [
      account.name ?? '',
      account.internal_id ?? account.email ?? '',
      account.kind,
      ROLE_LABELS[account.role],
      account.status === 'active' ? account.status : output.paint(account.status, 'yellow'),
      output.when(account.last_active_at, 'never'),
      String(account.active_token_count),
      account.id,
    ]),
  );
}

interface ListOptions {
  kind?: AccountKind;
  role?: Role;
  includeDeactivated?: boolean;
  json?: boolean;
}

async function list(context: ClientContext, options: ListOptions): Promise<void> {
  const accounts = await context.api().all<Account>('/api/users', {
    kind: options.kind,
    role: options.role,
    include_deactivated: options.includeDeactivated ? true : undefined,
  });
  if (options.json) return context.output.json(accounts);
  if (accounts.length === 0) return context.output.say('Nobody to list.');
  accountTable(context.output, accounts);
}

/** `deactivate` and `reactivate`, for every account or for service users only. */
function activationCommands(
  parent: Command,
  kind: AccountKind | undefined,
  noun: string,
  sample: string,
): void {
  parent
    .command('deactivate')
    .description(
      kind === 'service'
        ? 'Deactivate a service user; refused while it has active tokens. Asks first, unless --yes.'
        : "Deactivate an account: a person's active tokens are revoked and their sessions end. Asks first, unless --yes.",
    )
    .argument(
      `<${noun}>`,
      kind === 'service' ? 'the ID, name or internal ID' : 'the ID, name, email or internal ID',
    )
    .option('-y, --yes', 'do not ask')
    .option('--json', 'print the account as the API returns it')
    .addHelpText('after', example(`tessera ${parent.name()} deactivate ${sample} --yes`))
    .action(
      withContext(async ({ api, output }, idOrName: string, options: { yes?: boolean; json?: boolean }) => {
        const client = api();
        const account = await resolveAccount(client, idOrName, kind);
        if (!(await confirm(`Deactivate ${ownerLabel(account)} (${account.id})?`, options.yes))) {
          return output.say('Nothing deactivated.');
        }
        const done = await client.request<Account>('POST', `/api/users/${account.id}/deactivate`);
        if (options.json) output.json(done);
        output.say(`Deactivated ${ownerLabel(done)}.`);
      }),
    );
  parent
    .command('reactivate')
    .description('Reactivate an account. No token comes back with it.')
    .argument(
      `<${noun}>`,
      kind === 'service' ? 'the ID, name or internal ID' : 'the ID, name, email or internal ID',
    )
    .option('--json', 'print the account as the API returns it')
    .addHelpText('after', example(`tessera ${parent.name()} reactivate ${sample}`))
    .action(
      withContext(async ({ api, output }, idOrName: string, options: { json?: boolean }) => {
        const client = api();
        const account = await resolveAccount(client, idOrName, kind);
        const done = await client.request<Account>('POST', `/api/users/${account.id}/reactivate`);
        if (options.json) output.json(done);
        output.say(`Reactivated ${ownerLabel(done)}.`);
      }),
    );
}

export function accountCommands(program: Command): void {
  const users = program.command('users').description('People and service users (Managers and Admins).');
  users
    .command('list')
    .description('Active accounts by name; deactivated ones too with --include-deactivated.')
    .addOption(new Option('--kind <kind>', 'human or service').choices(ACCOUNT_KINDS))
    .addOption(new Option('--role <role>', 'only this role').choices(ROLES))
    .option('--include-deactivated', 'list deactivated accounts too')
    .option('--json', 'print the API objects, as a JSON array')
    .addHelpText('after', example('tessera users list', 'tessera users list --role admin --json'))
    .action(withContext(list));
  activationCommands(users, undefined, 'user', 'ana@example.com');

  const serviceUsers = program
    .command('service-users')
    .description('Service users: accounts for machines, which hold service tokens.');
  serviceUsers
    .command('list')
    .description('Service users by name (Managers and Admins).')
    .option('--include-deactivated', 'list deactivated ones too')
    .option('--json', 'print the API objects, as a JSON array')
    .addHelpText('after', example('tessera service-users list'))
    .action(withContext((context, options: ListOptions) => list(context, { ...options, kind: 'service' })));
  serviceUsers
    .command('create')
    .description(
      'Add a service user (Admins). Its internal ID is <slug>@service, from --internal-id or the name.',
    )
    .option('--name <name>', 'its name (required)')
    .option('--internal-id <slug>', 'svc-airflow or svc-airflow@service (default: from the name)')
    .addOption(new Option('--role <role>', 'its role').choices(ROLES).default('member'))
    .option('--email <email>', 'a contact address')
    .option('--json', 'print the API object')
    .addHelpText('after', example('tessera service-users create --name "Airflow" --internal-id svc-airflow'))
    .action(
      withContext(
        async (
          { api, output },
          options: { name: string; internalId?: string; role: Role; email?: string; json?: boolean },
        ) => {
          if (!options.name) throw usageError('service-users create: --name is required.');
          const account = await api().request<Account>('POST', '/api/service-users', {
            body: {
              name: options.name,
              role: options.role,
              ...(options.internalId ? { internal_id: options.internalId } : {}),
              ...(options.email ? { email: options.email } : {}),
            },
          });
          if (options.json) return output.json(account);
          output.say(`Created service user ${ownerLabel(account)}.`);
          accountTable(output, [account]);
        },
      ),
    );
  activationCommands(serviceUsers, 'service', 'service-user', 'svc-airflow@service');
}
