import { CommanderError } from 'commander';
import { StartupError } from '../platform/errors.ts';
import { CliError, EXIT } from './client/errors.ts';
import { tesseraProgram } from './program.ts';

async function main(argv: string[]): Promise<number> {
  const outcome = { exitStatus: EXIT.ok as number };
  // `tessera` alone starts the server, as it always has.
  const args = argv.length === 0 ? ['serve'] : argv;
  try {
    await tesseraProgram(outcome).parseAsync(args, { from: 'user' });
    return outcome.exitStatus;
  } catch (error) {
    // Commander has already said what was wrong (with a suggestion for a near miss); help asked for is 0.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof CliError) {
      process.stderr.write(`error: ${error.code ? `${error.code}: ` : ''}${error.message}\n`);
      return error.exitStatus;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      error instanceof StartupError ? `${error.message}\n` : `${(error as Error)?.stack ?? String(error)}\n`,
    );
    // Whatever a failed start left open (a pool, a timer) must not keep the process, and the data
    // directory's lock, alive.
    process.exit(1);
  },
);
