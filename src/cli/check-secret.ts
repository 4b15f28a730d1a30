import { readFileSync } from 'node:fs';
import { checkSecret } from '../core/secret.ts';

/** Offline: the format and checksum only, without a server or a database. */
export function checkSecretCommand(arg: string | undefined): number {
  const secret = (arg ?? readFileSync(0, 'utf8')).trim();
  const result = checkSecret(secret);
  if (result.valid) {
    process.stdout.write(`valid ${result.kind} token format (checksum matches)\n`);
    return 0;
  }
  process.stdout.write(`not a valid Tessera token: bad ${result.reason}\n`);
  return 1;
}
