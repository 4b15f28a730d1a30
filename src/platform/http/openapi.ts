import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

export const DOCS_PREFIX = '/api/docs';

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
          "`Authorization: Bearer <token>` or the console's session cookie. Every error is " +
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
    uiConfig: { docExpansion: 'list', deepLinking: true, tryItOutEnabled: true },
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
