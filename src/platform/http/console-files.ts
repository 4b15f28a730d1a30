import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { redactSecrets } from '../../core/secret.ts';

const API_PREFIXES = ['/api/', '/auth/', '/scim/', '/metrics', '/healthz', '/readyz'];

/**
 * The built console (Vite's output) on the same port as the API. Hashed assets are cached for good;
 * any other GET that is not an API path gets index.html, so deep links such as
 * /settings/security/users?user=… load the app.
 */
export async function registerConsole(app: FastifyInstance, webDir: string): Promise<void> {
  const root = resolve(webDir);
  const built = existsSync(resolve(root, 'index.html'));
  const isApiPath = (path: string) =>
    API_PREFIXES.some((prefix) => path === prefix.replace(/\/$/, '') || path.startsWith(prefix));
  // The console's files are public: the sign-in page must load before anyone has signed in. Only the
  // routes registered from here on (the static files) are marked; every API route keeps its own rule.
  app.addHook('onRoute', (route) => {
    if (!isApiPath(route.url)) route.config = { ...route.config, auth: 'public' };
  });
  if (built) {
    await app.register(fastifyStatic, {
      root,
      wildcard: false,
      index: false,
      setHeaders(res, path) {
        res.header(
          'cache-control',
          path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  }
  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if ((request.method === 'GET' || request.method === 'HEAD') && !isApiPath(path)) {
      if (built) {
        // A file that looks like an asset (has an extension) and is missing is a real 404.
        if (/\.[a-z0-9]+$/i.test(path)) return reply.status(404).type('text/plain').send('Not found');
        return reply.header('cache-control', 'no-cache').sendFile('index.html');
      }
      return reply
        .status(503)
        .type('text/html')
        .send(
          '<!doctype html><title>Tessera</title><p>The console is not built yet: run <code>npm run build</code>.</p>',
        );
    }
    // The path is echoed without any secret in it: a token pasted into a URL is not sent back out.
    const shown = redactSecrets(path);
    return reply.status(404).send({ code: 'not_found', message: `No route ${request.method} ${shown}.` });
  });
}
