import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RE2JS } from 're2js';
import { parse as parseToml } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { checkSecret, generateSecret, SECRET_CHECKSUM_LENGTH } from '../../src/core/secret.ts';

// Issue #29 item 4: the scanner rules in docs/secret-scanning/, read straight from their files and run
// with re2js, a port of RE2 — the regular-expression syntax and semantics of Go's regexp, which gitleaks
// and trufflehog use (neither binary is in Debian or on npm, so CI cannot run them). The fixture
// repository is made here, with secrets the code generates, so that none is ever committed.
const DOCS = resolve(import.meta.dirname, '../../docs/secret-scanning');
const BIN = resolve(import.meta.dirname, '../../bin/tessera.js');

interface Rule {
  tool: string;
  pattern: RE2JS;
  /** The capture group that holds the secret. */
  group: number;
  keywords: string[];
}

function rules(): Rule[] {
  const gitleaks = parseToml(readFileSync(join(DOCS, 'gitleaks.toml'), 'utf8')) as {
    rules: { id: string; regex: string; secretGroup: number; keywords: string[] }[];
  };
  const gitleaksRule = gitleaks.rules.find((r) => r.id === 'tessera-access-token')!;
  const trufflehog = parseYaml(readFileSync(join(DOCS, 'trufflehog.yaml'), 'utf8')) as {
    detectors: { name: string; keywords: string[]; regex: Record<string, string> }[];
  };
  const detector = trufflehog.detectors[0]!;
  const github = parseYaml(readFileSync(join(DOCS, 'github-custom-pattern.yml'), 'utf8')) as {
    secret_format: string;
    before_secret: string;
    after_secret: string;
  };
  return [
    {
      tool: 'gitleaks',
      pattern: RE2JS.compile(gitleaksRule.regex),
      group: gitleaksRule.secretGroup,
      keywords: gitleaksRule.keywords,
    },
    {
      tool: 'trufflehog',
      // trufflehog reports the first capture group of each named regex.
      pattern: RE2JS.compile(detector.regex.token!),
      group: 1,
      keywords: detector.keywords,
    },
    {
      tool: 'github',
      // GitHub joins the three fields as before, secret, after.
      pattern: RE2JS.compile(
        `(?:${github.before_secret})(${github.secret_format})(?:${github.after_secret})`,
      ),
      group: 1,
      keywords: ['tsr_pat_', 'tsr_svc_'],
    },
  ];
}

/** Every secret a rule finds in a text, as the tools do: keyword prefilter, then the regex. */
function scan(rule: Rule, text: string): string[] {
  if (!rule.keywords.some((k) => text.toLowerCase().includes(k.toLowerCase()))) return [];
  const found: string[] = [];
  const matcher = rule.pattern.matcher(text);
  while (matcher.find()) found.push(matcher.group(rule.group)!);
  return found;
}

const personal = generateSecret('personal');
const service = generateSecret('service');
const body = personal.slice(8);
const lastChar = personal.at(-1)!;
/** The right shape with a checksum that does not match: only a tool that checks the CRC-32 rejects it. */
const badChecksum = `${personal.slice(0, -1)}${lastChar === 'a' ? 'b' : 'a'}`;
const lookAlikes = [
  `tsr_pax_${body}`, // another prefix
  `TSR_PAT_${body}`, // upper case
  `tsr_pat_${body.slice(0, -1)}`, // one character short
  `tsr_pat_${body}Q`, // one character long
  `xtsr_pat_${body}`, // glued to a word before
  `_tsr_svc_${service.slice(8)}`, // glued by an underscore
  `tsr_pat_${body.slice(0, 10)}-${body.slice(11)}`, // a character outside base62
  `tsr_pat_${body.slice(0, 20)}`, // a fragment
  'tsr_pat_<32 random><6 checksum>', // as the docs write it
];

describe('the secret-scanner rules in docs/secret-scanning', () => {
  it('compile under RE2 syntax, and find real secrets in the places they are pasted', () => {
    for (const rule of rules()) {
      for (const secret of [personal, service]) {
        for (const text of [
          secret,
          `TESSERA_TOKEN=${secret}\n`,
          `Authorization: Bearer ${secret}`,
          `{"token":"${secret}"}`,
          `token: '${secret}'`,
          `https://example.com/?access_token=${secret}&x=1`,
        ]) {
          expect(scan(rule, text), `${rule.tool}: ${text}`).toEqual([secret]);
        }
      }
    }
  });

  it('find none of the look-alikes but the one with a wrong checksum, which check-secret rejects', () => {
    expect(checkSecret(badChecksum)).toEqual({ valid: false, reason: 'checksum' });
    expect(badChecksum).toHaveLength(personal.length);
    expect(SECRET_CHECKSUM_LENGTH).toBe(6);
    for (const rule of rules()) {
      for (const lookAlike of lookAlikes)
        expect(scan(rule, `x ${lookAlike} y`), `${rule.tool}: ${lookAlike}`).toEqual([]);
      expect(scan(rule, `x ${badChecksum} y`), rule.tool).toEqual([badChecksum]);
    }
  });
});

describe('a fixture repository scanned with the rules', () => {
  let repo: string;
  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'tessera-scan-'));
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo });
    git('init', '-q');
    mkdirSync(join(repo, 'deploy'));
    writeFileSync(join(repo, 'deploy/.env'), `DATABASE_URL=postgres://db/app\nTESSERA_TOKEN=${personal}\n`);
    writeFileSync(join(repo, 'README.md'), `# App\n\nTokens look like tsr_pat_<32 random><6 checksum>.\n`);
    git('add', '.');
    git('commit', '-qm', 'first');
    // A secret committed and then removed is still in the history, which is what the tools scan.
    writeFileSync(join(repo, 'ci.yml'), `env:\n  TOKEN: ${service}\n`);
    git('add', '.');
    git('commit', '-qm', 'ci');
    rmSync(join(repo, 'ci.yml'));
    writeFileSync(
      join(repo, 'tests.txt'),
      `${lookAlikes.map((l, i) => `case ${i}: ${l}`).join('\n')}\nchecksum: ${badChecksum}\n`,
    );
    git('add', '-A');
    git('commit', '-qm', 'look-alikes, and the secret removed');
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('finds the two real secrets, and with `tessera check-secret` nothing else', () => {
    // What `gitleaks git` reads: every commit's patch.
    const history = execFileSync('git', ['log', '-p', '--all', '--no-color'], {
      cwd: repo,
      encoding: 'utf8',
    });
    const all = new Set<string>();
    for (const rule of rules()) {
      const findings = [...new Set(scan(rule, history))].sort();
      expect(findings, rule.tool).toEqual([personal, service, badChecksum].sort());
      for (const finding of findings) all.add(finding);
    }
    // The offline verifier, as a CI step would run it on each finding.
    const confirmed = [...all].filter(
      (finding) => spawnSync(process.execPath, [BIN, 'check-secret'], { input: finding }).status === 0,
    );
    expect(confirmed.sort()).toEqual([personal, service].sort());
  });
});
