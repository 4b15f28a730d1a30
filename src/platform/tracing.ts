// OpenTelemetry traces, optional: the SDK is imported (dynamically) only when an OTLP endpoint is set, so
// a server without one loads none of it, and `span` costs one comparison.
import type { Context, Span, Tracer } from '@opentelemetry/api';

type Api = typeof import('@opentelemetry/api');
type Attributes = Record<string, string | number | boolean>;

let api: Api | undefined;
let tracer: Tracer | undefined;

/** The OTel settings this process reads (the standard `OTEL_*` names). */
export function tracingConfigured(env: Record<string, string | undefined>): boolean {
  if (env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

export interface Tracing {
  /** Send what is buffered and stop. */
  shutdown(): Promise<void>;
}

/**
 * Starts the SDK when `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set: spans go
 * by OTLP over HTTP (the exporter reads the other `OTEL_EXPORTER_OTLP_*` settings itself: headers,
 * timeout, compression), batched (`OTEL_BSP_SCHEDULE_DELAY`, default 5000 ms), sampled as
 * `OTEL_TRACES_SAMPLER` says (default parent-based, always on), with `OTEL_SERVICE_NAME` (default
 * `tessera`) and `OTEL_RESOURCE_ATTRIBUTES`.
 */
export async function startTracing(
  env: Record<string, string | undefined> = process.env,
): Promise<Tracing | undefined> {
  if (!tracingConfigured(env)) return undefined;
  const [otel, core, sdk, contextHooks, exporterModule, resources] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const detected = resources.detectResources({
    detectors: [resources.envDetector, resources.processDetector, resources.hostDetector],
  });
  // Tessera's name unless OTEL_SERVICE_NAME (or OTEL_RESOURCE_ATTRIBUTES) says another.
  const resource = resources.resourceFromAttributes({ 'service.name': 'tessera' }).merge(detected);
  const delay = Number(env.OTEL_BSP_SCHEDULE_DELAY);
  const provider = new sdk.TracerProvider({
    resource,
    sampler: samplerFrom(sdk, env),
    spanProcessors: [
      new sdk.BatchSpanProcessor({
        exporter: new exporterModule.OTLPTraceExporter(),
        ...(Number.isFinite(delay) && delay > 0 ? { scheduledDelayMillis: delay } : {}),
      }),
    ],
  });
  const contextManager = new contextHooks.AsyncLocalStorageContextManager().enable();
  otel.context.setGlobalContextManager(contextManager);
  otel.trace.setGlobalTracerProvider(provider);
  otel.propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
  api = otel;
  tracer = provider.getTracer('tessera');
  return {
    async shutdown() {
      tracer = undefined;
      await provider.shutdown();
      otel.trace.disable();
      otel.context.disable();
      otel.propagation.disable();
      api = undefined;
    },
  };
}

function samplerFrom(
  sdk: typeof import('@opentelemetry/sdk-trace'),
  env: Record<string, string | undefined>,
) {
  const ratio = Math.min(1, Math.max(0, Number(env.OTEL_TRACES_SAMPLER_ARG ?? '1') || 0));
  switch (env.OTEL_TRACES_SAMPLER) {
    case 'always_on':
      return new sdk.AlwaysOnSampler();
    case 'always_off':
      return new sdk.AlwaysOffSampler();
    case 'traceidratio':
      return new sdk.TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(ratio) });
    default:
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() });
  }
}

/** Whether spans are being recorded at all: lets a hot path skip building attributes. */
export const tracingOn = (): boolean => tracer !== undefined;

/**
 * Runs `fn` in a span named `name`, ended when `fn` returns or its promise settles; a throw or a rejection
 * marks the span as an error. Without tracing, `fn()` and nothing else: a synchronous result stays
 * synchronous either way. For outgoing requests, add `traceHeaders()` to the request's headers.
 */
export function span<T>(name: string, fn: () => T, attributes?: Attributes): T {
  if (!tracer) return fn();
  return tracer.startActiveSpan(name, attributes ? { attributes } : {}, (current) => {
    let result: T;
    try {
      result = fn();
    } catch (error) {
      failed(current, error);
      current.end();
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (value) => {
          current.end();
          return value;
        },
        (error: unknown) => {
          failed(current, error);
          current.end();
          throw error;
        },
      ) as T;
    }
    current.end();
    return result;
  });
}

function failed(current: Span, error: unknown): void {
  current.recordException(error as Error);
  current.setStatus({ code: 2 /* SpanStatusCode.ERROR */, message: (error as Error)?.message });
}

/** A span already over, such as a database statement timed by its driver, under the current span. */
export function recordSpan(name: string, durationMs: number, attributes: Attributes, error?: unknown): void {
  if (!tracer) return;
  const end = Date.now();
  const done = tracer.startSpan(name, { startTime: end - durationMs, attributes });
  if (error !== undefined) failed(done, error);
  done.end(end);
}

/** Sets attributes on the span in progress (say, whether the cache knew the token). */
export function annotate(attributes: Attributes): void {
  if (!api) return;
  api.trace.getActiveSpan()?.setAttributes(attributes);
}

/**
 * A span for an incoming request, and the context to run the rest of its handling in: the caller runs
 * what follows inside `within`, so that every span opened meanwhile is its child. Undefined without tracing.
 */
export function startRequestSpan(
  name: string,
  attributes: Attributes,
  headers: Record<string, string | string[] | undefined>,
): { span: Span; within<T>(fn: () => T): T } | undefined {
  if (!tracer || !api) return undefined;
  const otel = api;
  // A caller's `traceparent` makes this request part of its trace.
  const parent: Context = otel.propagation.extract(otel.context.active(), headers);
  const current = tracer.startSpan(name, { kind: 1 /* SpanKind.SERVER */, attributes }, parent);
  const context = otel.trace.setSpan(parent, current);
  return { span: current, within: (fn) => otel.context.with(context, fn) };
}

/** The `traceparent` (and `tracestate`) of the current span, for an outgoing request; empty without tracing. */
export function traceHeaders(): Record<string, string> {
  if (!api) return {};
  const headers: Record<string, string> = {};
  api.propagation.inject(api.context.active(), headers);
  return headers;
}
