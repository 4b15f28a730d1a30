import { describe, expect, it } from 'vitest';
import { bearerSecret } from '../../src/auth/credentials.ts';

// The rule as the spec states it, written once more here: the shortcut in bearerSecret must agree with it.
const RULE = /^Bearer +([^\s]+) *$/i;

describe('bearerSecret', () => {
  it('takes the secret from the usual header', () => {
    expect(bearerSecret('Bearer tsr_pat_0123456789abcdefABCDEF_x')).toBe('tsr_pat_0123456789abcdefABCDEF_x');
  });

  it('accepts any case of the scheme, more spaces, and trailing spaces', () => {
    expect(bearerSecret('bearer abc')).toBe('abc');
    expect(bearerSecret('BEARER abc')).toBe('abc');
    expect(bearerSecret('Bearer   abc')).toBe('abc');
    expect(bearerSecret('Bearer abc  ')).toBe('abc');
  });

  it('refuses a header that is not one bearer secret', () => {
    for (const header of [
      'Bearer',
      'Bearer ',
      'Bearer  ',
      'Bearer a b',
      'Bearer a\tb',
      'Bearer\tabc',
      'Basic abc',
    ]) {
      expect(bearerSecret(header), header).toBeUndefined();
    }
    expect(bearerSecret('Bearer abc\u00a0')).toBeUndefined();
  });

  it('keeps a secret with characters beyond ASCII for the checksum to refuse', () => {
    expect(bearerSecret('Bearer tsr_pat_é')).toBe('tsr_pat_é');
  });

  it('agrees with the rule on every header made from these pieces', () => {
    const schemes = ['Bearer', 'bearer', 'Bearer:', 'Bearerx', ''];
    const gaps = ['', ' ', '  ', '\t', '\u00a0'];
    const secrets = ['', 'a', 'tsr_pat_Ab9', 'a b', 'ä', '\u007f', '~!"#'];
    const ends = ['', ' ', '   ', '\t', '\n', 'x'];
    let checked = 0;
    for (const scheme of schemes)
      for (const gap of gaps)
        for (const secret of secrets)
          for (const end of ends) {
            const header = scheme + gap + secret + end;
            expect(bearerSecret(header), JSON.stringify(header)).toBe(RULE.exec(header)?.[1]);
            checked++;
          }
    expect(checked).toBe(schemes.length * gaps.length * secrets.length * ends.length);
  });
});
