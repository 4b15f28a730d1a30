import { describe, expect, it } from 'vitest';
import { AttemptLimiter, emailKey, FailureCounter } from '../../src/auth/attempt-limiter.ts';
import { TestClock } from '../support/clock.ts';

describe('FailureCounter', () => {
  it('blocks a key at its budget until the window that opened at its first failure ends', () => {
    const clock = new TestClock();
    const counter = new FailureCounter({ max: 3, windowMs: 10_000 }, clock);
    counter.fail('a');
    clock.advance(4_000);
    counter.fail('a');
    expect(counter.retryAfter('a')).toBe(0);
    counter.fail('a');
    expect(counter.retryAfter('a')).toBe(6);
    expect(counter.retryAfter('b')).toBe(0);
    clock.advance(5_999);
    expect(counter.retryAfter('a')).toBe(1);
    clock.advance(1);
    expect(counter.retryAfter('a')).toBe(0);
    // A new window starts from scratch.
    counter.fail('a');
    expect(counter.retryAfter('a')).toBe(0);
  });

  it('counts nothing when turned off', () => {
    const counter = new FailureCounter({ max: 0, windowMs: 10_000 }, new TestClock());
    for (let i = 0; i < 100; i++) counter.fail('a');
    expect(counter.retryAfter('a')).toBe(0);
    expect(counter.size).toBe(0);
  });

  it('holds a bounded number of keys however many arrive', () => {
    const counter = new FailureCounter({ max: 2, windowMs: 60_000 }, new TestClock());
    for (let i = 0; i < 100_500; i++) counter.fail(`key-${i}`);
    expect(counter.size).toBeLessThanOrEqual(100_000);
    // The newest keys are kept.
    counter.fail('key-100499');
    expect(counter.retryAfter('key-100499')).toBeGreaterThan(0);
  });
});

describe('AttemptLimiter', () => {
  it('names the limit that blocks, and keeps limits apart', () => {
    const clock = new TestClock();
    const window = { max: 1, windowMs: 60_000 };
    const limiter = new AttemptLimiter(
      {
        authPerAddress: window,
        authPerToken: window,
        signInPerAddress: window,
        signInPerEmail: window,
        ssoStartsPerAddress: window,
      },
      clock,
    );
    limiter.fail('sign_in_email', emailKey(' Alice@Example.com '));
    expect(limiter.blocked('sign_in_address', '10.0.0.1')).toBeUndefined();
    expect(limiter.blocked('auth_address', 'alice@example.com')).toBeUndefined();
    expect(limiter.blocked('sign_in_email', 'alice@example.com')).toEqual({
      limit: 'sign_in_email',
      retryAfter: 60,
    });
    expect(limiter.blocked('auth_token', 'alice@example.com')).toBeUndefined();
    limiter.clear();
    expect(limiter.blocked('sign_in_email', 'alice@example.com')).toBeUndefined();
  });
});
