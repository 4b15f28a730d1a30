import type { Command } from 'commander';
import { ROLE_LABELS } from '../../core/roles.ts';
import { ApiClient } from './api-client.ts';
import type { Me } from './api-types.ts';
import { withContext } from './context.ts';
import { CliError, EXIT, usageError } from './errors.ts';
import { example } from './help-example.ts';
import { readTokenFromStdin } from './prompts.ts';
import { configFile, forgetLogin, readStoredLogin, serverUrl, storeLogin } from './stored-login.ts';

export function sessionCommands(program: Command): void {
  program
    .command('login')
    .description(
      'Check a token with the server and store both for the next commands (file mode 0600). The token is read ' +
        'from standard input, or from TESSERA_TOKEN.',
    )
    .option('--server <url>', 'the Tessera server (default: TESSERA_URL)')
    .addHelpText('after', example('tessera login --server https://tessera.example.com < token.txt'))
    .action(
      withContext(async ({ env, output }, options: { server?: string }) => {
        const given = options.server ?? env.TESSERA_URL;
        if (!given) throw usageError('login: give the server with --server URL (or TESSERA_URL).');
        const server = serverUrl(given);
        const token = env.TESSERA_TOKEN || (await readTokenFromStdin());
        if (!token) throw usageError('login: no token on standard input (nor in TESSERA_TOKEN).');
        const me = await new ApiClient({ server, token }).request<Me>('GET', '/api/me');
        const file = storeLogin(env, { server, token });
        output.say(`Signed in to ${server} as ${describeMe(me)}. Stored in ${file}.`);
      }),
    );

  program
    .command('logout')
    .description('Forget the stored server and token. The token itself stays valid: revoke it to end it.')
    .addHelpText('after', example('tessera logout'))
    .action(
      withContext(async ({ env, output }) => {
        const stored = readStoredLogin(env);
        if (!forgetLogin(env)) {
          output.say('Not signed in: nothing to forget.');
          return;
        }
        output.say(`Signed out of ${stored?.server ?? 'the server'}: removed ${configFile(env)}.`);
      }),
    );

  program
    .command('whoami')
    .description('Who the server says you are, and the token you call it with.')
    .option('--json', 'print the API object (GET /api/me)')
    .addHelpText('after', example('tessera whoami', 'TESSERA_TOKEN=tsr_pat_… tessera whoami --json'))
    .action(
      withContext(async ({ output, api }, options: { json?: boolean }) => {
        const client = api();
        const me = await client.request<Me>('GET', '/api/me');
        if (options.json) return output.json(me);
        output.print(`${describeMe(me)} on ${client.server}\n`);
        if (me.token) {
          const expires = me.token.expires_at
            ? `expires ${output.when(me.token.expires_at, '')}`
            : 'never expires';
          output.print(`Token "${me.token.name}" (…${me.token.hint}), ${expires}\n`);
        }
      }),
    );
}

function describeMe(me: Me): string {
  const { account } = me;
  if (!account) throw new CliError('The server did not say who the token belongs to.', EXIT.error);
  const who = account.kind === 'service' ? account.internal_id : account.email;
  const name = account.name && account.name !== who ? `${account.name} <${who}>` : who;
  return `${name} (${ROLE_LABELS[account.role]})`;
}
