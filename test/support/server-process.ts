import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

export interface TesseraProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote so far. */
  output(): { stdout: string; stderr: string };
  /** Send a signal and wait for the exit code (null when killed by the signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const BIN = resolve(import.meta.dirname, '../../bin/tessera.js');

/**
 * A real `tessera` process, as a user starts it: PORT=0 picks a free port, read back from the
 * "tessera listening" log line. Resolves once it listens; rejects with its output if it exits first.
 */
export async function startTessera(env: Record<string, string>, timeoutMs = 60_000): Promise<TesseraProcess> {
  const child = spawn(process.execPath, [BIN], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', TESSERA_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`tessera did not start in ${timeoutMs} ms:\n${stdout}\n${stderr}`)),
      timeoutMs,
    );
    const poll = setInterval(() => {
      const match = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"tessera listening"/.exec(stdout);
      if (match) {
        clearInterval(poll);
        clearTimeout(timer);
        resolveUrl(match[1]!);
      }
    }, 25);
    exited.then(([code]) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`tessera exited with ${code} before listening:\n${stdout}\n${stderr}`));
    });
  });
  return {
    url,
    child,
    output: () => ({ stdout, stderr }),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = await exited;
      return code;
    },
  };
}

/** Sign in over HTTP and return what a browser would hold. */
export async function signInOver(url: string, email: string, password: string) {
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (response.status !== 200) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  const cookie = response.headers.get('set-cookie')!.split(';')[0]!;
  const { csrf_token } = (await response.json()) as { csrf_token: string };
  return { headers: { cookie, 'x-csrf-token': csrf_token, 'content-type': 'application/json' } };
}
