import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

export const DOCS_PREFIX = '/api/docs';

/**
 * "Try it out" while signed in to the console: the browser sends the session cookie by itself, but a
 * change also needs the session's CSRF token, which `GET /api/me` hands to the session. A request that
 * carries a token (Authorize → bearer) needs none. Runs in the browser: @fastify/swagger-ui writes the
 * function's source into the page's initializer, so it uses nothing from this module.
 */
async function addSessionCsrf(request: { [prop: string]: unknown }) {
  const headers = request.headers as Record<string, string>;
  const method = String(request.method ?? 'GET').toUpperCase();
  const hasToken = Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
  if (method === 'GET' || method === 'HEAD' || hasToken) return request;
  const me = await fetch('/api/me', { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (me.ok) {
    const body = (await me.json()) as { csrf_token?: string | null };
    if (body.csrf_token) headers['X-CSRF-Token'] = body.csrf_token;
  }
  return request;
}

/** The OpenAPI document, built from the routes' own zod schemas, and an interactive page at /api/docs. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tessera',
        version: '0.1.0',
        description:
          'Personal access tokens, service users and service tokens. Authenticate with ' +
          "`Authorization: Bearer <token>` or the console's session cookie (here, Try it out uses the " +
          'session you are signed in with, or the token you give under Authorize). Every error is ' +
          '`{ code, message, details? }`; while the database cannot be reached, any route that needs it ' +
          'answers 503 `service_unavailable` with `Retry-After`.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A tsr_pat_… or tsr_svc_… token.' },
          session: { type: 'apiKey', in: 'cookie', name: 'tessera_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    uiConfig: {
      docExpansion: 'list',
      deepLinking: true,
      tryItOutEnabled: true,
      requestInterceptor: addSessionCsrf,
    },
    // The plugin's own CSP for its pages (it knows its scripts), minus what breaks or weakens it here:
    // upgrade-insecure-requests (a plain-HTTP install would lose its own scripts), framing, and styles from
    // anywhere (Swagger UI sets inline styles, as the console does; it loads no stylesheet from elsewhere).
    staticCSP: true,
    transformStaticCSP: (header) =>
      header
        .replace(/\s*upgrade-insecure-requests;?/, '')
        .replace("frame-ancestors 'self'", "frame-ancestors 'none'")
        .replace(/style-src 'self' https:/, "style-src 'self' 'unsafe-inline'"),
  });
}
