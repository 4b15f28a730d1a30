import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BASE62_ALPHABET, encodeBase62, randomBase62 } from '../../src/core/base62.ts';
import { crc32 } from '../../src/core/crc32.ts';
import {
  checkSecret,
  findSecrets,
  generateSecret,
  SECRET_LENGTH,
  SECRET_RANDOM_LENGTH,
  secretChecksum,
  secretHint,
} from '../../src/core/secret.ts';

describe('secret format', () => {
  it('is prefix, 32 random base62 characters and a 6-character checksum', () => {
    const personal = generateSecret('personal');
    const service = generateSecret('service');
    expect(personal).toMatch(/^tsr_pat_[0-9A-Za-z]{38}$/);
    expect(service).toMatch(/^tsr_svc_[0-9A-Za-z]{38}$/);
    expect(personal).toHaveLength(SECRET_LENGTH);
    // At least 160 bits of randomness.
    expect(SECRET_RANDOM_LENGTH * Math.log2(62)).toBeGreaterThanOrEqual(160);
  });

  it('carries a CRC-32 of everything before it, the same CRC-32 zlib computes', () => {
    const secret = generateSecret('personal');
    const body = secret.slice(0, -6);
    expect(crc32(body)).toBe(zlibCrc32(body));
    expect(secret.slice(-6)).toBe(encodeBase62(zlibCrc32(body), 6));
    expect(secretChecksum(body)).toBe(secret.slice(-6));
  });

  it('accepts what it generates and names the kind', () => {
    for (let i = 0; i < 200; i++) {
      expect(checkSecret(generateSecret('personal'))).toEqual({ valid: true, kind: 'personal' });
      expect(checkSecret(generateSecret('service'))).toEqual({ valid: true, kind: 'service' });
    }
  });

  it('rejects every single-character change (the checksum catches typos)', () => {
    const secret = generateSecret('service');
    for (let i = 8; i < secret.length; i++) {
      const replacement = secret[i] === 'a' ? 'b' : 'a';
      const typo = secret.slice(0, i) + replacement + secret.slice(i + 1);
      expect(checkSecret(typo)).toEqual({ valid: false, reason: 'checksum' });
    }
  });

  it('says what is wrong with a malformed string', () => {
    const secret = generateSecret('personal');
    expect(checkSecret('')).toEqual({ valid: false, reason: 'prefix' });
    expect(checkSecret(`ghp_${secret.slice(4)}`)).toEqual({ valid: false, reason: 'prefix' });
    expect(checkSecret(secret.slice(0, -1))).toEqual({ valid: false, reason: 'length' });
    expect(checkSecret(`${secret}0`)).toEqual({ valid: false, reason: 'length' });
    expect(checkSecret(`${secret.slice(0, 20)}-${secret.slice(21)}`)).toEqual({
      valid: false,
      reason: 'characters',
    });
    expect(checkSecret(`${secret.slice(0, 20)}é${secret.slice(21)}`)).toEqual({
      valid: false,
      reason: 'characters',
    });
  });

  it('draws every base62 character evenly', () => {
    const counts = new Map<string, number>();
    const sample = randomBase62(62_000, (n) => globalThis.crypto.getRandomValues(new Uint8Array(n)));
    for (const c of sample) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    for (const c of BASE62_ALPHABET) {
      // 1,000 expected each; ±25 % is > 7 standard deviations.
      expect(counts.get(c)).toBeGreaterThan(750);
      expect(counts.get(c)).toBeLessThan(1250);
    }
  });

  it('shows the last four characters as the hint', () => {
    expect(secretHint('tsr_pat_abcdefWXYZ')).toBe('WXYZ');
  });

  it('encodes base62 at a fixed width and refuses values that do not fit', () => {
    expect(encodeBase62(0, 6)).toBe('000000');
    expect(encodeBase62(61, 2)).toBe('0z');
    expect(encodeBase62(0xffffffff, 6)).toBe('4gfFC3');
    expect(() => encodeBase62(62 ** 2, 2)).toThrow(RangeError);
  });
});

describe('finding secrets in a text', () => {
  it('finds each well-formed secret with a valid checksum once, in order, and nothing else', () => {
    const a = generateSecret('personal');
    const b = generateSecret('service');
    const c = generateSecret('personal');
    const typo = `${a.slice(0, 20)}${a[20] === 'x' ? 'y' : 'x'}${a.slice(21)}`;
    expect(checkSecret(typo).valid).toBe(false);
    const text = [
      `curl -H "Authorization: Bearer ${b}" https://example.com`,
      `TOKEN=${a}`,
      `again: ${b}, a typo: ${typo}, cut short: ${a.slice(0, -1)}`,
      `glued: x${c} and ${c}Z`,
    ].join('\n');
    expect(findSecrets(text)).toEqual([b, a]);
    expect(findSecrets('no secrets here, only tsr_pat_ and tsr_svc_abc')).toEqual([]);
  });
});
