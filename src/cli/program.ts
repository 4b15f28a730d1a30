import { Command } from 'commander';
import { checkSecretCommand } from './check-secret.ts';
import { accountCommands } from './client/account-commands.ts';
import { usageError } from './client/errors.ts';
import { example } from './client/help-example.ts';
import { sessionCommands } from './client/session-commands.ts';
import { bashCompletion, zshCompletion } from './client/shell-completion.ts';
import { tokenCommands } from './client/token-commands.ts';

/** The exit status a command's action asks for; the client commands leave it 0 and throw to fail. */
export interface Outcome {
  exitStatus: number;
}

/**
 * The whole `tessera` command. The server commands load the server's modules only when they run
 * (`import()`), so the client commands start with nothing but commander, src/core and Node.
 */
export function tesseraProgram(outcome: Outcome): Command {
  const program = new Command('tessera')
    .description(
      'Tessera: personal access tokens, service users and service tokens.\n' +
        'Client commands talk to a server (tessera login, or TESSERA_URL and TESSERA_TOKEN); ' +
        'server commands run on the server itself.',
    )
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false })
    .addHelpText(
      'after',
      '\nExit status: 0 success, 1 error, 2 usage, 4 not signed in or not allowed. See docs/CLI.md.\n',
    );

  program.commandsGroup('Client commands:');
  sessionCommands(program);
  tokenCommands(program);
  accountCommands(program);
  program
    .command('completion')
    .description('Print the shell completion script for bash or zsh.')
    .argument('<shell>', 'bash or zsh')
    .addHelpText('after', example('source <(tessera completion bash)', 'source <(tessera completion zsh)'))
    .action((shell: string) => {
      if (shell === 'bash') process.stdout.write(bashCompletion(program));
      else if (shell === 'zsh') process.stdout.write(zshCompletion(program));
      else throw usageError(`completion: "${shell}" is not bash or zsh.`);
    });

  program.commandsGroup('Server commands (run where the server runs, on its database):');
  program
    .command('serve')
    .description(
      'Start the server (what `tessera` alone does). Configured by environment variables: docs/CONFIGURATION.md.',
    )
    .action(async () => {
      const { serve } = await import('./server-commands.ts');
      outcome.exitStatus = await serve();
    });
  program
    .command('check-secret')
    .description(
      'Check a token’s format and checksum offline, without a database. Reads the secret from standard ' +
        'input when it is not given, so it stays out of your shell history. Exit status 0 when well-formed.',
    )
    .argument('[secret]')
    .addHelpText('after', example('tessera check-secret < token.txt'))
    .action((secret: string | undefined) => {
      outcome.exitStatus = checkSecretCommand(secret);
    });
  program
    .command('migrate')
    .description('Bring the database schema up to date, then exit.')
    .action(async () => {
      const { migrate } = await import('./server-commands.ts');
      outcome.exitStatus = await migrate();
    });
  program
    .command('reset-password')
    .description('Give a person a new generated password and print it once; their sessions end. Audited.')
    .argument('[email]')
    .addHelpText('after', example('tessera reset-password ana@example.com'))
    .action(async (email: string | undefined) => {
      const { resetPassword } = await import('./server-commands.ts');
      outcome.exitStatus = await resetPassword(email === undefined ? [] : [email]);
    });
  program
    .command('make-admin')
    .description(
      'Give a person the Admin role, for when nobody who can sign in has it any more. A deactivated person ' +
        'is refused unless --reactivate is given. Audited.',
    )
    .argument('[email]')
    .option('--reactivate', 'reactivate a deactivated person too')
    .addHelpText('after', example('tessera make-admin --reactivate ana@example.com'))
    .action(async (email: string | undefined, options: { reactivate?: boolean }) => {
      const { makeAdmin } = await import('./server-commands.ts');
      outcome.exitStatus = await makeAdmin([
        ...(options.reactivate ? ['--reactivate'] : []),
        ...(email === undefined ? [] : [email]),
      ]);
    });
  return program;
}
