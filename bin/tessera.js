#!/usr/bin/env node
// Tessera's sources are TypeScript that Node 24 runs as they are (type stripping): no build step.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  process.stderr.write(
    `Tessera needs Node.js 24 or newer; this is ${process.version}.\n` +
      'Run it through npm (npm start, npx tessera), which uses the Node 24 the project installs.\n',
  );
  process.exit(1);
}
await import('../src/cli/main.ts');
