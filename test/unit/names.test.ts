import { describe, expect, it } from 'vitest';
import { expiresAt } from '../../src/core/expiration.ts';
import {
  checkTokenName,
  hasLetterOrDigit,
  randomServiceSlug,
  slugify,
  tokenFileName,
} from '../../src/core/names.ts';
import { roleAtLeast } from '../../src/core/roles.ts';

describe('token names', () => {
  it('trims and accepts 1 to 100 characters', () => {
    expect(checkTokenName('  CI/CD Pipeline Token  ')).toEqual({ ok: true, name: 'CI/CD Pipeline Token' });
    expect(checkTokenName('x'.repeat(100))).toEqual({ ok: true, name: 'x'.repeat(100) });
    // Counted in characters, not UTF-16 units: 100 emoji are fine.
    expect(checkTokenName('🔑'.repeat(100)).ok).toBe(true);
  });

  it.each([
    ['', 'Name is required.'],
    ['   ', 'Name is required.'],
    ['x'.repeat(101), 'Name must be at most 100 characters.'],
    ['tab\there', 'Name must not contain control characters.'],
    ['new\nline', 'Name must not contain control characters.'],
    ['nul\u0000', 'Name must not contain control characters.'],
    ['c1\u0085', 'Name must not contain control characters.'],
    ['line\u2028separator', 'Name must not contain control characters.'],
  ])('rejects %j', (name, message) => {
    expect(checkTokenName(name)).toEqual({ ok: false, message });
  });
});

describe('slugs and file names', () => {
  it.each([
    ['svc-airflow', 'svc-airflow'],
    ['svc_airflow', 'svc_airflow'],
    ['Airflow DAG Orchestration', 'airflow-dag-orchestration'],
    ['  Zoë  Data!! ', 'zoe-data'],
    ['CI/CD Pipeline', 'ci-cd-pipeline'],
    ['日本語', ''],
  ])('slugify(%j) = %j', (input, slug) => {
    expect(slugify(input)).toBe(slug);
  });

  it('names the download <slug-of-name>-token.txt', () => {
    expect(tokenFileName('CI/CD Pipeline')).toBe('ci-cd-pipeline-token.txt');
    expect(tokenFileName('日本語')).toBe('tessera-token.txt');
  });
});

describe('roles and expiry', () => {
  it('orders Admin ⊃ Manager ⊃ Member', () => {
    expect(roleAtLeast('admin', 'manager')).toBe(true);
    expect(roleAtLeast('manager', 'member')).toBe(true);
    expect(roleAtLeast('member', 'manager')).toBe(false);
    expect(roleAtLeast('manager', 'admin')).toBe(false);
  });

  it('sets expires_at to created_at + N × 24 h', () => {
    const created = new Date('2026-03-01T10:00:00Z');
    expect(expiresAt(created, 30)?.toISOString()).toBe('2026-03-31T10:00:00.000Z');
    expect(expiresAt(created, null)).toBeNull();
  });
});

describe('names in any script', () => {
  it.each([
    ['デプロイ', true],
    ['نشر', true],
    ['٣', true],
    ['Zoë', true],
    ['!!! — ...', false],
    ['   ', false],
  ])('hasLetterOrDigit(%j) = %j', (text, expected) => {
    expect(hasLetterOrDigit(text)).toBe(expected);
  });

  it('draws a readable random slug from the bytes it is given', () => {
    expect(randomServiceSlug(new Uint8Array([0, 1, 31, 32]))).toBe('svc-ab9a');
    expect(randomServiceSlug(new Uint8Array([7, 200, 13, 255]))).toMatch(/^svc-[a-z2-9]{4}$/);
  });
});
