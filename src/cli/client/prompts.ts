import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import { usageError } from './errors.ts';

/**
 * A token from standard input: everything piped in, trimmed, or typed at a terminal without echo. The
 * secret never comes from an argument, where it would land in shell history and `ps`.
 */
export async function readTokenFromStdin(): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').trim();
  }
  process.stderr.write('Paste a token (it is not shown): ');
  // Typed characters go to a stream that drops them, so the token is never echoed.
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const lines = createInterface({ input: process.stdin, output: silent, terminal: true });
  try {
    return (await lines.question('')).trim();
  } finally {
    lines.close();
    process.stderr.write('\n');
  }
}

/** Ask before something that cannot be taken back; without a terminal to ask at, `--yes` must say so. */
export async function confirm(question: string, yes: boolean | undefined): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) throw usageError(`${question} Add --yes to confirm without a terminal.`);
  const lines = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await lines.question(`${question} [y/N] `)).trim());
  } finally {
    lines.close();
  }
}
