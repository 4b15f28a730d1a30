import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { CliError, EXIT, usageError } from './errors.ts';

/** Where the client talks to, and the token it talks with. */
export interface Connection {
  server: string;
  token: string;
}

export type Env = Record<string, string | undefined>;

/** `$XDG_CONFIG_HOME/tessera`, else `~/.config/tessera`; the XDG spec says a relative value is ignored. */
export function configDirectory(env: Env): string {
  const xdg = env.XDG_CONFIG_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.config'), 'tessera');
}

export const configFile = (env: Env) => join(configDirectory(env), 'config.json');

/** A server address as typed, checked and without trailing slashes: `https://tessera.example.com`. */
export function serverUrl(value: string): string {
  const url = URL.parse(value.trim());
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw usageError(`--server: "${value}" is not an http:// or https:// URL.`);
  }
  if (url.username || url.password)
    throw usageError('--server: put the token on standard input, not in the URL.');
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** What `tessera login` stored, or null when nothing (or nothing readable) is stored. */
export function readStoredLogin(env: Env): Partial<Connection> | null {
  let text: string;
  try {
    text = readFileSync(configFile(env), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = JSON.parse(text) as Partial<Connection>;
    return {
      server: typeof parsed.server === 'string' ? parsed.server : undefined,
      token: typeof parsed.token === 'string' ? parsed.token : undefined,
    };
  } catch {
    throw new CliError(`${configFile(env)} is not valid JSON: run tessera login again.`);
  }
}

/**
 * Written to a new file that only its owner may read (0600, in a 0700 directory), then renamed over the old
 * one: no moment where the token sits in a file others can read, or in half a file.
 */
export function storeLogin(env: Env, connection: Connection): string {
  const dir = configDirectory(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = configFile(env);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(connection, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
  return file;
}

/** True when there was a stored login to forget. */
export function forgetLogin(env: Env): boolean {
  const file = configFile(env);
  const existed = readStoredLogin(env) !== null;
  rmSync(file, { force: true });
  return existed;
}

/** TESSERA_URL and TESSERA_TOKEN win over the stored login, each on its own, so a pipeline needs no login. */
export function connectionFrom(env: Env): Connection {
  const stored = readStoredLogin(env);
  const server = env.TESSERA_URL || stored?.server;
  const token = env.TESSERA_TOKEN || stored?.token;
  if (!server || !token) {
    throw new CliError(
      'Not signed in: run `tessera login --server URL`, or set TESSERA_URL and TESSERA_TOKEN.',
      EXIT.denied,
      'not_signed_in',
    );
  }
  return { server: serverUrl(server), token };
}
