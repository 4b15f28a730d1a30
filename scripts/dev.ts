// `npm run dev`: the server, restarted when a source file changes.
import { spawn } from 'node:child_process';

const server = spawn('node', ['--watch-path=src', 'bin/tessera.js'], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));
