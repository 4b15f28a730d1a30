// The layering rules of docs/ARCHITECTURE.md, checked on every import in src/, so they hold without
// anyone remembering them.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Every entry of src/ and its floor: a file may import its own folder, and anything on a lower floor.
 * Two rooms on one floor never import each other. A new top-level entry must be placed here.
 */
const FLOORS: Record<string, number> = {
  core: 0,
  platform: 1,
  audit: 2,
  teams: 3,
  tokens: 4,
  accounts: 5,
  auth: 6,
  operations: 7,
  bootstrap: 7,
  scim: 7,
  sso: 7,
  notifications: 7,
  federation: 7,
  'config.ts': 8,
  'services.ts': 8,
  'app.ts': 9,
  'server.ts': 10,
  cli: 11,
  web: 1,
};

/** Domains: another folder reaches one only through its index.ts. */
const DOMAINS = new Set([
  'audit',
  'teams',
  'tokens',
  'accounts',
  'auth',
  'operations',
  'bootstrap',
  'scim',
  'sso',
  'notifications',
  'federation',
]);

interface Import {
  from: string;
  to: string;
}

const roomOf = (file: string) => file.split('/')[1] ?? file;

function violations(imports: readonly Import[]): string[] {
  const found: string[] = [];
  for (const { from, to } of imports) {
    const a = roomOf(from);
    const b = roomOf(to);
    const say = (rule: string) => found.push(`${from} -> ${to}: ${rule}`);
    if (!to.startsWith('src/')) {
      say('imports something outside src/');
      continue;
    }
    if (FLOORS[a] === undefined) {
      say(`src/${a} has no floor in test/unit/layout.test.ts`);
      continue;
    }
    if (from.startsWith('src/cli/client/') && !to.startsWith('src/cli/client/') && b !== 'core') {
      say('the command-line client imports only src/core');
      continue;
    }
    if (a === b) continue;
    if (a === 'web') {
      if (b !== 'core') say('the console imports only src/core');
      continue;
    }
    if (b === 'web') {
      say('only the console imports src/web');
      continue;
    }
    if (FLOORS[b] === undefined || FLOORS[b] >= FLOORS[a]) say(`src/${b} is not below src/${a}`);
    else if (DOMAINS.has(b) && to !== `src/${b}/index.ts`)
      say(`another domain is reached through src/${b}/index.ts`);
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found: Import[] = [];
  for (const match of text.matchAll(SPECIFIER)) {
    const specifier = match[1] ?? match[2] ?? match[3]!;
    if (!specifier.startsWith('.')) continue;
    found.push({ from: file, to: path.normalize(path.join(path.dirname(file), specifier)) });
  }
  return found;
}

describe('the layout of src/', () => {
  it('keeps every rule on every import', () => {
    const imports = sourceFiles('src').flatMap(importsOf);
    expect(imports.length).toBeGreaterThan(200);
    expect(violations(imports)).toEqual([]);
  });

  it('names each kind of violation', () => {
    expect(
      violations([
        { from: 'src/core/secret.ts', to: 'src/platform/clock.ts' },
        { from: 'src/web/App.tsx', to: 'src/tokens/index.ts' },
        { from: 'src/tokens/service.ts', to: 'src/accounts/index.ts' },
        { from: 'src/accounts/service.ts', to: 'src/tokens/queries.ts' },
        { from: 'src/tokens/routes.ts', to: 'src/app.ts' },
        { from: 'src/operations/routes.ts', to: 'src/bootstrap/index.ts' },
        { from: 'src/billing/routes.ts', to: 'src/platform/errors.ts' },
        { from: 'src/cli/client/api-client.ts', to: 'src/platform/errors.ts' },
        { from: 'src/cli/client/api-client.ts', to: 'src/cli/main.ts' },
      ]),
    ).toEqual([
      'src/core/secret.ts -> src/platform/clock.ts: src/platform is not below src/core',
      'src/web/App.tsx -> src/tokens/index.ts: the console imports only src/core',
      'src/tokens/service.ts -> src/accounts/index.ts: src/accounts is not below src/tokens',
      'src/accounts/service.ts -> src/tokens/queries.ts: another domain is reached through src/tokens/index.ts',
      'src/tokens/routes.ts -> src/app.ts: src/app.ts is not below src/tokens',
      'src/operations/routes.ts -> src/bootstrap/index.ts: src/bootstrap is not below src/operations',
      'src/billing/routes.ts -> src/platform/errors.ts: src/billing has no floor in test/unit/layout.test.ts',
      'src/cli/client/api-client.ts -> src/platform/errors.ts: the command-line client imports only src/core',
      'src/cli/client/api-client.ts -> src/cli/main.ts: the command-line client imports only src/core',
    ]);
  });
});
