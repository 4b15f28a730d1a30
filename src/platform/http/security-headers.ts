import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/** What Tessera asks of helmet: its defaults, with the console's CSP and no HSTS. */
export const HELMET_OPTIONS: Readonly<HelmetOptions> = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:', 'https:'],
      connectSrc: ["'self'"],
      frameAncestors: ["'none'"],
      formAction: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      upgradeInsecureRequests: null,
    },
  },
  // HSTS only makes sense behind TLS, which a reverse proxy terminates and sets itself.
  strictTransportSecurity: false,
  crossOriginEmbedderPolicy: false,
};

/**
 * The headers helmet's middleware sets for these options, worked out once. None of Tessera's options
 * depends on the request (no nonces, no functions), so every response gets the same set.
 */
export function helmetHeaders(options: Readonly<HelmetOptions>): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  } as unknown as ServerResponse;
  let failed: unknown;
  helmet(options)({} as never, recorder, (error?: unknown) => {
    failed = error;
  });
  if (failed) throw failed;
  return Object.freeze(headers);
}

/**
 * Sets helmet's headers on every response. `@fastify/helmet` calls `helmet(options)` for each request,
 * which rebuilds every middleware and parses the CSP again (15–38 µs a response here, and two promises); the
 * answer never changes, so it is computed at start-up instead (docs/DECISIONS.md).
 */
export function registerSecurityHeaders(app: FastifyInstance, options = HELMET_OPTIONS): void {
  const headers = helmetHeaders(options);
  // Onto the reply, not the raw response: a route's own reply.header (the API page's CSP) still wins,
  // and with nothing set on the raw response, Node's writeHead takes Fastify's headers as they are
  // instead of copying each one into a second header map first.
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}
