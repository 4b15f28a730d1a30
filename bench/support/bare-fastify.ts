// A bare Fastify 5 server, default options but the logger off, one route answering what tessera's
// /healthz answers: the floor that issue 26 measures tessera's fixed cost per request against.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) });
// Exit on SIGTERM as tessera does, so that a CPU profile (`--cpu-prof`) is written.
process.once('SIGTERM', () => {
  app.close().then(() => process.exit(0));
});
