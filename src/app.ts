import cookie from '@fastify/cookie';
import type { Span } from '@opentelemetry/api';
import Fastify, { type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { accountRoutes } from './accounts/index.ts';
import { auditRoutes } from './audit/index.ts';
import {
  AttemptLimiter,
  meRoutes,
  registerAuthentication,
  sessionRoutes,
  tokenCheckRoutes,
} from './auth/index.ts';
import type { Config } from './config.ts';
import { redactSecrets } from './core/secret.ts';
import { tokenExchangeRoute, trustPolicyRoutes } from './federation/index.ts';
import { notificationRoutes } from './notifications/index.ts';
import { operationRoutes } from './operations/index.ts';
import { BODY_LIMIT } from './platform/http/body-limit.ts';
import { registerConsole } from './platform/http/console-files.ts';
import {
  clientError,
  frameworkError,
  registerErrorHandling,
  registerTextGuard,
} from './platform/http/error-handling.ts';
import { DOCS_PREFIX, registerOpenApi } from './platform/http/openapi.ts';
import { RequestLogController } from './platform/http/request-logging.ts';
import { registerSecurityHeaders } from './platform/http/security-headers.ts';
import type { App } from './platform/http/types.ts';
import { startRequestSpan, tracingOn } from './platform/tracing.ts';
import { scimRoutes } from './scim/index.ts';
import type { Services } from './services.ts';
import { ssoRoutes } from './sso/index.ts';
import { teamRoutes } from './teams/index.ts';
import {
  leakedSecretRoutes,
  scopeRoutes,
  tokenPolicyRoutes,
  tokenRoutes,
  tokenUsageRoutes,
} from './tokens/index.ts';

/** Log lines never carry credentials: the headers that hold them are redacted wherever they appear. */
export const LOG_REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
];

/** Request log lines name the URL without any secret a caller put in it (`?access_token=tsr_…`). */
function scrubbingLogger(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger || logger === true) return logger;
  return {
    ...logger,
    serializers: {
      ...logger.serializers,
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: redactSecrets(request.url),
        host: request.host,
        remoteAddress: request.ip,
      }),
    },
  };
}

/** The route's pattern, never the raw URL (whose values are unbounded and may hold a secret). */
function routeLabel(request: FastifyRequest): string {
  const route = request.routeOptions;
  if (route.url === undefined) return 'unmatched';
  return (route.config as { file?: unknown }).file !== undefined ? 'console files' : route.url;
}

export async function buildApp(options: {
  services: Services;
  config: Config;
  logger?: FastifyServerOptions['logger'];
}): Promise<App> {
  const { services, config } = options;
  const app = Fastify({
    logger: scrubbingLogger(options.logger ?? false),
    logController: new RequestLogController(),
    trustProxy: config.trustProxy,
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: 200 },
    // The API's error shape even for what fails before routing: bad URLs, oversized headers.
    frameworkErrors: frameworkError,
    // While draining, a request on a connection still open is served in full (the database closes only
    // after the app), with `Connection: close`: Fastify's own 503 would be in Fastify's shape, not ours.
    return503OnClosing: false,
    clientErrorHandler: clientError,
  }).withTypeProvider<ZodTypeProvider>();

  // The API speaks JSON: other bodies get 415. Form encoding is registered below, for introspection and
  // revocation alone (auth/token-checks.ts).
  app.removeContentTypeParser('text/plain');
  // Many clients send `Content-Type: application/json` on every request, a DELETE or a revoke included:
  // an empty body is no body, not a 400. Anything else goes to Fastify's own parser (secure-json-parse,
  // refusing `__proto__` and `constructor.prototype`), within the same body limit; nesting and text are
  // checked after parsing, by the text guard, as before.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: BODY_LIMIT },
    (request, body, done) => {
      // parseAs 'string': the body is a string.
      const text = body as string;
      if (text.length === 0) return done(null, undefined);
      parseJson(request, text, done);
    },
  );
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app, services.outage);
  registerTextGuard(app);

  // Routes that plugins register are public: the API page, and the console's files (@fastify/static
  // registers one route per built file, marked by `config.file`) — the sign-in page must load signed out.
  app.addHook('onRoute', (route) => {
    const staticFile = (route.config as { file?: unknown } | undefined)?.file !== undefined;
    if (route.url.startsWith(DOCS_PREFIX) || staticFile) route.config = { ...route.config, auth: 'public' };
  });

  // Every answer's latency, by the route's pattern. A callback hook: no promise per request.
  app.addHook('onResponse', (request, reply, done) => {
    const label = routeLabel(request);
    services.metrics.observeRequest(request.method, label, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  // With OpenTelemetry on (platform/tracing.ts, started before the app), a span for each request, and
  // the rest of its handling run inside it so that the spans it opens (authentication, cache, database)
  // are its children. First of the onRequest hooks: it must run before authentication. Without
  // tracing the hooks are not registered at all.
  if (tracingOn()) {
    const requestSpans = new WeakMap<FastifyRequest, Span>();
    app.addHook('onRequest', (request, _reply, done) => {
      const label = routeLabel(request);
      const traced = startRequestSpan(
        `${request.method} ${label}`,
        { 'http.request.method': request.method, 'http.route': label },
        request.headers,
      );
      if (!traced) return done();
      requestSpans.set(request, traced.span);
      traced.within(done);
    });
    app.addHook('onResponse', (request, reply, done) => {
      const traced = requestSpans.get(request);
      if (traced) {
        traced.setAttribute('http.response.status_code', reply.statusCode);
        if (reply.statusCode >= 500) traced.setStatus({ code: 2 });
        traced.end();
      }
      done();
    });
  }

  registerSecurityHeaders(app);
  await app.register(cookie);
  registerAuthentication(app, services, new AttemptLimiter(config.attemptLimits, services.clock));
  await registerOpenApi(app);

  operationRoutes(app, services, config.metrics);
  sessionRoutes(app, services, config);
  ssoRoutes(app, services, config);
  meRoutes(app, services);
  tokenRoutes(app, services);
  tokenUsageRoutes(app, services);
  leakedSecretRoutes(app, services);
  tokenPolicyRoutes(app, services);
  scopeRoutes(app, services);
  accountRoutes(app, services);
  teamRoutes(app, services);
  auditRoutes(app, services);
  notificationRoutes(app, services);
  await scimRoutes(app, services);
  await tokenCheckRoutes(app, config, services);
  trustPolicyRoutes(app, services);
  await tokenExchangeRoute(app, services);
  await registerConsole(app, config.webDir);
  return app;
}
