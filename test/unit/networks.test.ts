import { describe, expect, it } from 'vitest';
import {
  checkNetworks,
  networkFence,
  parseAddress,
  parseNetwork,
  splitNetworks,
} from '../../src/core/networks.ts';

describe('network fences (src/core/networks.ts)', () => {
  it('reads CIDR blocks and single addresses in their canonical form', () => {
    const text = (input: string) => {
      const result = parseNetwork(input);
      return result.ok ? result.text : result.message;
    };
    expect(text('10.0.0.0/8')).toBe('10.0.0.0/8');
    expect(text('192.0.2.7')).toBe('192.0.2.7/32');
    expect(text('0.0.0.0/0')).toBe('0.0.0.0/0');
    expect(text('2001:DB8:0:0::/32')).toBe('2001:db8::/32');
    expect(text('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1/128');
    expect(text('::/0')).toBe('::/0');
    expect(text('::1')).toBe('::1/128');
    expect(text('fe80::/10')).toBe('fe80::/10');
    expect(text('::ffff:10.0.0.0/104')).toBe('::ffff:a00:0/104');
  });

  it('refuses what is not a network, saying why', () => {
    for (const bad of [
      '',
      '10.0.0',
      '10.0.0.0.0',
      '256.0.0.0',
      '01.2.3.4',
      '10.0.0.0/',
      '10.0.0.0/-1',
      '10.0.0.0/08',
      'a::b::c',
      '12345::',
      'x/8',
      '1:2:3:4:5:6:7:8:9',
    ]) {
      expect(parseNetwork(bad).ok, bad).toBe(false);
    }
    expect(parseNetwork('10.0.0.1/8')).toEqual({
      ok: false,
      message: '"10.0.0.1/8" has bits set after its prefix; did you mean 10.0.0.0/8?',
    });
    expect(checkNetworks(['10.0.0.0/8', 'x'])).toEqual({
      ok: false,
      message: 'Entry 2: "x" is not an IPv4 or IPv6 address or CIDR block.',
    });
  });

  it('tests addresses against a list, IPv4-mapped IPv6 as IPv4 and a zone ignored', () => {
    const fence = networkFence(['10.0.0.0/8', '2001:db8::/32', '192.0.2.128/25']);
    expect(fence('10.1.2.3')).toBe(true);
    expect(fence('11.0.0.1')).toBe(false);
    expect(fence('::ffff:10.9.9.9')).toBe(true);
    expect(fence('2001:db8:ffff::1')).toBe(true);
    expect(fence('2001:db9::1')).toBe(false);
    expect(fence('192.0.2.200')).toBe(true);
    expect(fence('192.0.2.127')).toBe(false);
    expect(fence('fe80::1%eth0')).toBe(false);
    expect(fence('not an address')).toBe(false);
    expect(networkFence(['fe80::/10'])('fe80::1%eth0')).toBe(true);
    expect(parseAddress('::ffff:1.2.3.4')).toEqual([1, 2, 3, 4]);
    expect(networkFence(['0.0.0.0/0'])('::1')).toBe(false);
  });

  it('splits the console field on commas, spaces and new lines', () => {
    expect(splitNetworks(' 10.0.0.0/8,\n2001:db8::/32  192.0.2.1 ')).toEqual([
      '10.0.0.0/8',
      '2001:db8::/32',
      '192.0.2.1',
    ]);
  });
});
