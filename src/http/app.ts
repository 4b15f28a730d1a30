import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../config.ts';
import { AttemptLimiter } from '../services/attempt-limiter.ts';
import type { Services } from '../services/index.ts';
import { registerAuthentication } from './auth.ts';
import { clientError, frameworkError, registerErrorHandling, registerTextGuard } from './errors.ts';
import { DOCS_PREFIX, registerOpenApi } from './openapi.ts';
import { accountRoutes } from './routes/accounts.ts';
import { auditRoutes } from './routes/audit.ts';
import { meRoutes } from './routes/me.ts';
import { operationRoutes } from './routes/operations.ts';
import { sessionRoutes } from './routes/session.ts';
import { teamRoutes } from './routes/teams.ts';
import { tokenCheckRoutes } from './routes/token-checks.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { registerSecurityHeaders } from './security-headers.ts';
import type { App } from './types.ts';
import { registerConsole } from './web.ts';

export const BODY_LIMIT = 64 * 1024;

/** Log lines never carry credentials: the headers that hold them are redacted wherever they appear. */
export const LOG_REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
];

/** Anything shaped like a Tessera secret, e.g. pasted into a URL by mistake. */
const SECRET_LIKE = /tsr_(?:pat|svc)_[0-9A-Za-z]+/g;
export const scrubSecrets = (text: string) => text.replace(SECRET_LIKE, 'tsr_[redacted]');

/** Request log lines name the URL without any secret a caller put in it (`?access_token=tsr_…`). */
function scrubbingLogger(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger || logger === true) return logger;
  return {
    ...logger,
    serializers: {
      ...logger.serializers,
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: scrubSecrets(request.url),
        host: request.host,
        remoteAddress: request.ip,
      }),
    },
  };
}

export async function buildApp(options: {
  services: Services;
  config: Config;
  logger?: FastifyServerOptions['logger'];
}): Promise<App> {
  const { services, config } = options;
  const app = Fastify({
    logger: scrubbingLogger(options.logger ?? false),
    trustProxy: config.trustProxy,
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: 200 },
    // The API's error shape even for what fails before routing: bad URLs, oversized headers.
    frameworkErrors: frameworkError,
    clientErrorHandler: clientError,
  }).withTypeProvider<ZodTypeProvider>();

  // The API speaks JSON (and form encoding, for RFC 7662 introspection): other bodies get 415.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  registerTextGuard(app);

  // Routes that plugins register are public: the API page, and the console's files (@fastify/static
  // registers one route per built file, marked by `config.file`) — the sign-in page must load signed out.
  app.addHook('onRoute', (route) => {
    const staticFile = (route.config as { file?: unknown } | undefined)?.file !== undefined;
    if (route.url.startsWith(DOCS_PREFIX) || staticFile) route.config = { ...route.config, auth: 'public' };
  });

  registerSecurityHeaders(app);
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: BODY_LIMIT });
  registerAuthentication(app, services, new AttemptLimiter(config.attemptLimits, services.clock));
  await registerOpenApi(app);

  operationRoutes(app, services);
  sessionRoutes(app, services, config);
  meRoutes(app, services);
  tokenRoutes(app, services);
  accountRoutes(app, services);
  teamRoutes(app, services);
  auditRoutes(app, services);
  tokenCheckRoutes(app, services, config);
  await registerConsole(app, config.webDir);
  return app;
}
