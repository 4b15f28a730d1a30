import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeHeaderList, encodeHeaderValue } from '../../src/core/header-value.ts';

// What Node, nginx and Caddy pass as a header value untouched: SP and visible ASCII, no space at either end.
const VALID = /^(?:[!-~](?:[ -~]*[!-~])?)?$/;

describe('encodeHeaderValue', () => {
  it.each([
    ['alice@example.com', 'alice@example.com'],
    ['Data Platform', 'Data Platform'],
    ["O'Brien (ops) & co!", "O'Brien (ops) & co!"],
    ['Équipe Données 日本', '%C3%89quipe Donn%C3%A9es %E6%97%A5%E6%9C%AC'],
    ['100% Ops', '100%25 Ops'],
    ['a,b', 'a%2Cb'],
    ['tab\there\n', 'tab%09here%0A'],
    ['nul\u0000del\u007f', 'nul%00del%7F'],
    ['  padded  ', '%20%20padded%20%20'],
    ['🔑', '%F0%9F%94%91'],
    ['', ''],
  ])('encodes %j as %j', (text, encoded) => {
    expect(encodeHeaderValue(text)).toBe(encoded);
    expect(decodeURIComponent(encoded)).toBe(text);
  });

  it('turns a lone surrogate into U+FFFD rather than throwing', () => {
    expect(encodeHeaderValue('a\ud800b')).toBe('a%EF%BF%BDb');
  });

  it('gives a valid header value that decodes back to any well-formed text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        const encoded = encodeHeaderValue(text);
        expect(encoded).toMatch(VALID);
        expect(encoded).not.toContain(',');
        expect(decodeURIComponent(encoded)).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves text that needs no encoding as it is', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[!-$&-+\--~]([ !-$&-+\--~]*[!-$&-+\--~])?$/), (text) => {
        expect(encodeHeaderValue(text)).toBe(text);
      }),
    );
  });
});

describe('encodeHeaderList', () => {
  it('joins encoded items with commas, and splitting then decoding gives the items back', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }), { maxLength: 8 }),
        (items) => {
          const encoded = encodeHeaderList(items);
          expect(encoded).toMatch(VALID);
          const decoded = encoded === '' ? [] : encoded.split(',').map(decodeURIComponent);
          expect(decoded).toEqual(items);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('is empty for no items', () => {
    expect(encodeHeaderList([])).toBe('');
    expect(encodeHeaderList(['Public', 'Équipe'])).toBe('Public,%C3%89quipe');
  });
});
