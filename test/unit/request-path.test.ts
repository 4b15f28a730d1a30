import { describe, expect, it } from 'vitest';
import { isPathWithin, normalizeRequestPath } from '../../src/core/request-path.ts';

const pathOf = (target: string) => {
  const result = normalizeRequestPath(target);
  if (!result.ok) throw new Error(`${target} refused: ${result.problem}`);
  return result.path;
};
const problemOf = (target: string) => {
  const result = normalizeRequestPath(target);
  return result.ok ? undefined : result.problem;
};

describe('normalizeRequestPath', () => {
  it.each([
    ['/scim/v2/Users', '/scim/v2/Users'],
    ['/scim/v2/Users?filter=userName%20eq%20%22a%22', '/scim/v2/Users'],
    ['/scim/v2/Users?x=/../../admin', '/scim/v2/Users'],
    ['/scim/v2/Users#../../admin', '/scim/v2/Users'],
    ['/', '/'],
    ['/?next=/scim/v2/', '/'],
    // Decoded once, any hex case.
    ['/sc%69m/v2/Users', '/scim/v2/Users'],
    ['/%73%63%69%6D/v2/Users', '/scim/v2/Users'],
    ['/scim/v2/Users/J%C3%BCrgen%20Stra%C3%9Fe', '/scim/v2/Users/Jürgen Straße'],
    // Double encoding is decoded once only: `%252e%252e` is the segment `%2e%2e`, not `..`.
    ['/scim/v2/%252e%252e/%252e%252e/admin', '/scim/v2/%2e%2e/%2e%2e/admin'],
    ['/scim/v2/%252F', '/scim/v2/%2F'],
    // Segments that merely contain dots are names.
    ['/scim/v2/...', '/scim/v2/...'],
    ['/scim/v2/.well-known', '/scim/v2/.well-known'],
    ['/scim/v2/Users/a..b', '/scim/v2/Users/a..b'],
    ['/scim/v2/Users/..x', '/scim/v2/Users/..x'],
    // Empty segments are kept as they are, not merged.
    ['/scim/v2//Users', '/scim/v2//Users'],
    ['//scim/v2/Users', '//scim/v2/Users'],
    ['/scim/v2/Users/', '/scim/v2/Users/'],
    // Absolute form (X-Original-URL as some proxies send it): the path only.
    ['https://api.example.com/scim/v2/Users?x=1', '/scim/v2/Users'],
    ['http://api.example.com:8443', '/'],
    ['https://api.example.com/sc%69m/v2/', '/scim/v2/'],
    // Characters a path may hold.
    ["/scim/v2/Users/a;b=c,d+e~f!$&'()*@:", "/scim/v2/Users/a;b=c,d+e~f!$&'()*@:"],
  ])('%s → %s', (target, path) => {
    expect(pathOf(target)).toBe(path);
  });

  it.each([
    // Dot segments, raw, encoded in any case, and mixed.
    ['/scim/v2/../../admin/x', '"." or ".."'],
    ['/scim/v2/..', '"." or ".."'],
    ['/scim/v2/.', '"." or ".."'],
    ['/scim/v2/./Users', '"." or ".."'],
    ['/./scim/v2/Users', '"." or ".."'],
    ['/admin/../scim/v2/Users', '"." or ".."'],
    ['/scim/v2/%2e%2e/%2e%2e/admin/x', '"." or ".."'],
    ['/scim/v2/%2E%2E/%2E%2E/admin/x', '"." or ".."'],
    ['/scim/v2/.%2e/admin', '"." or ".."'],
    ['/scim/v2/%2e./admin', '"." or ".."'],
    ['/scim/v2/%2e/Users', '"." or ".."'],
    ['/scim/v2/..;/admin', '"." or ".."'],
    ['/scim/v2/..;jsessionid=1/admin', '"." or ".."'],
    ['/scim/v2/.;x/Users', '"." or ".."'],
    ['/scim/v2//../admin', '"." or ".."'],
    ['https://api.example.com/scim/v2/../admin', '"." or ".."'],
    // Encoded separators: nginx decodes them into separators before resolving dots.
    ['/scim/v2/..%2f..%2fadmin/x', 'encoded "/"'],
    ['/scim/v2/..%2F..%2Fadmin/x', 'encoded "/"'],
    ['/scim/v2/Users%2F..%2F..%2Fadmin', 'encoded "/"'],
    ['/scim/v2/..%5c..%5cadmin/x', 'encoded "\\"'],
    ['/scim/v2/..%5C..%5Cadmin/x', 'encoded "\\"'],
    ['/scim/v2/..\\..\\admin/x', '"\\"'],
    // Malformed percent-encoding.
    ['/scim/v2/%', 'two hex digits'],
    ['/scim/v2/%2', 'two hex digits'],
    ['/scim/v2/%zz', 'two hex digits'],
    ['/scim/v2/%%32%65', 'two hex digits'],
    ['/scim/v2/%u002e%u002e/admin', 'two hex digits'],
    // Not UTF-8: a lone continuation byte, an overlong "." (%C0%AE), a truncated sequence.
    ['/scim/v2/%80', 'not UTF-8'],
    ['/scim/v2/%c0%ae%c0%ae/admin', 'not UTF-8'],
    ['/scim/v2/%e2%82', 'not UTF-8'],
    // NUL and other controls, raw or encoded.
    ['/scim/v2/Users%00/../../admin', 'control character'],
    ['/scim/v2/Users\u0000', 'control character'],
    ['/scim/v2/Users%0a', 'control character'],
    ['/scim/v2/Users%7F', 'control character'],
    ['/scim/v2/Users%c2%85', 'control character'],
    ['/scim/v2/Users\t', 'control character'],
    ['/scim/v2/a b', 'space'],
    ['/scim/v2/Jürgen', 'not percent-encoded ASCII'],
    // Not a path at all.
    ['', 'start with "/"'],
    ['scim/v2/Users', 'start with "/"'],
    ['*', 'start with "/"'],
    ['?/scim/v2/', 'start with "/"'],
  ])('refuses %j (%s)', (target, problem) => {
    expect(problemOf(target)).toContain(problem);
  });
});

describe('isPathWithin', () => {
  it.each([
    ['/scim/v2', true],
    ['/scim/v2/', true],
    ['/scim/v2/Users', true],
    ['/scim/v2//Users', true],
    ['/scim/v2x', false],
    ['/scim/v2.json', false],
    ['/scim/v', false],
    ['/scim/v3/Users', false],
    ['/SCIM/v2/Users', false],
    ['//scim/v2/Users', false],
    ['/scim//v2/Users', false],
    ['/', false],
    ['/admin/scim/v2/', false],
  ])('%s within /scim/v2: %s', (path, within) => {
    expect(isPathWithin(path, '/scim/v2')).toBe(within);
  });

  it('holds for every decoded path only when the decoded path starts with the prefix', () => {
    // What the SCIM-only check relies on: whatever the encoding, admitted means a path a proxy that
    // decodes once and resolves dots also places under /scim/v2.
    for (const target of [
      '/%73cim/v2/x',
      '/scim%2fv2/x',
      '/scim/v2/%2e%2e/x',
      '/scim/v2%2F',
      '/scim/v2%3F/x',
    ]) {
      const result = normalizeRequestPath(target);
      const admitted = result.ok && isPathWithin(result.path, '/scim/v2');
      expect(admitted, target).toBe(target === '/%73cim/v2/x');
    }
  });
});
