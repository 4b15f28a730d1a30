import { describe, expect, it } from 'vitest';
import {
  span,
  startTracing,
  traceHeaders,
  tracingConfigured,
  tracingOn,
} from '../../src/platform/tracing.ts';

// Without an OTLP endpoint, tracing is off and costs nothing: the SDK is not loaded, `span` just calls.
// With one, spans reach a receiver: test/integration/tracing.test.ts.
describe('tracing without an OTLP endpoint', () => {
  it('is configured only by an endpoint, and not when the SDK or the exporter is turned off', () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_SERVICE_NAME: 'x' })).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })).toBe(true);
    expect(
      tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }),
    ).toBe(false);
    expect(
      tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }),
    ).toBe(false);
  });

  it('starts nothing, and span() runs the function as it is: synchronous stays synchronous', async () => {
    expect(await startTracing({})).toBeUndefined();
    expect(tracingOn()).toBe(false);
    expect(span('x', () => 42)).toBe(42);
    const promise = Promise.resolve('later');
    expect(span('x', () => promise)).toBe(promise);
    expect(() =>
      span('x', () => {
        throw new Error('thrown through');
      }),
    ).toThrow('thrown through');
    expect(traceHeaders()).toEqual({});
  });
});
