// `npm run dev`: the API server (restarted when a server source changes) and Vite's dev server in front
// of it with hot reload for the console. Open the Vite URL; it proxies the API paths to the server.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';

const apiPort = process.env.PORT ?? '8080';
const webPort = process.env.TESSERA_DEV_PORT ?? '5173';

const server = spawn(
  process.execPath,
  [
    // Every server source: all of src/ but the console, which Vite reloads itself.
    ...readdirSync('src')
      .filter((name) => name !== 'web')
      .map((name) => `--watch-path=src/${name}`),
    'bin/tessera.js',
  ],
  { stdio: 'inherit', env: { ...process.env, PORT: apiPort } },
);
const web = spawn(
  process.execPath,
  ['node_modules/vite/bin/vite.js', '--host', process.env.HOST ?? '127.0.0.1'],
  {
    stdio: 'inherit',
    env: { ...process.env, TESSERA_DEV_API_PORT: apiPort, TESSERA_DEV_PORT: webPort },
  },
);
process.stderr.write(`Console with hot reload: http://${process.env.HOST ?? '127.0.0.1'}:${webPort}\n`);

const children = [server, web];
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
  });
}
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
});
// When either stops, stop the other and exit with its code.
for (const child of children) {
  child.on('exit', (code) => {
    for (const other of children) if (other !== child && other.exitCode === null) other.kill('SIGTERM');
    process.exitCode = code ?? 0;
  });
}
