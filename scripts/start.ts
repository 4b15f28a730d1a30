// `npm start`: build the console when its sources are newer than the last build, then serve.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const built = 'dist/web/index.html';
if (existsSync('src/web/index.html')) {
  const sources = Math.max(
    newestMtime('src/web'),
    newestMtime('src/core'),
    existsSync('public') ? newestMtime('public') : 0,
  );
  if (!existsSync(built) || statSync(built).mtimeMs < sources) {
    process.stderr.write('Building the console…\n');
    const result = spawnSync('vite', ['build', '--logLevel', 'warn'], { stdio: 'inherit' });
    if (result.status !== 0) process.exit(result.status ?? 1);
  }
}
await import('../src/cli/main.ts');
