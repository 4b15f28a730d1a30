import { describe, expect, it } from 'vitest';
import { findUnstorableText, MAX_NESTING } from '../../src/platform/http/error-handling.ts';

/** `levels` objects, each holding the next under `key`, with `leaf` at the bottom. */
function nested(levels: number, leaf: unknown = 'x', key = 'a'): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = { [key]: value };
  return value;
}

describe('the text guard', () => {
  it('names the first unstorable string or key by its dotted path, in document order', () => {
    expect(findUnstorableText({ name: 'ok', team_ids: ['a', 'b\u0000'] })).toEqual({
      path: 'team_ids.1',
      problem: 'Must not contain the NUL character.',
    });
    expect(findUnstorableText({ a: { b: '\ud800' }, c: '\u0000' })?.path).toBe('a.b');
    expect(findUnstorableText({ a: { 'k\u0000': 1 } })?.path).toBe('a.k\\0');
    expect(findUnstorableText('\udfff')?.path).toBe('');
    expect(findUnstorableText({ name: 'ok', nested: { deeper: ['fine'] } })).toBeUndefined();
    expect(findUnstorableText(undefined)).toBeUndefined();
  });

  it(`accepts ${MAX_NESTING} levels of objects and arrays and refuses one more, naming the top field`, () => {
    expect(findUnstorableText(nested(MAX_NESTING))).toBeUndefined();
    expect(findUnstorableText(nested(MAX_NESTING, '\u0000'))?.problem).toBe(
      'Must not contain the NUL character.',
    );
    expect(findUnstorableText({ name: nested(MAX_NESTING) })).toEqual({
      path: 'name',
      problem: `Nested deeper than ${MAX_NESTING} levels of objects and arrays, the limit.`,
      maxNesting: MAX_NESTING,
    });
    // Under a top-level array there is no field to name: the caller names the body.
    expect(findUnstorableText([nested(MAX_NESTING)])?.path).toBe('');
  });

  it('walks any depth without recursion: 100,000 levels is an answer, not a stack overflow', () => {
    for (const levels of [8_000, 100_000]) {
      expect(findUnstorableText(nested(levels))?.maxNesting).toBe(MAX_NESTING);
      let array: unknown = [];
      for (let i = 0; i < levels; i++) array = [array];
      expect(findUnstorableText(array)?.maxNesting).toBe(MAX_NESTING);
    }
  });
});
