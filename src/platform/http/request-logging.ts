import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

/**
 * One line per request is for finding a problem, not for everyday reading: at the default `info` level the
 * start's banner (and anything worth a person's attention) would drown in it. Requests are logged at `debug`
 * (`TESSERA_LOG_LEVEL=debug` shows them); a request that fails inside the server is still an `error`.
 */
export class RequestLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(
    error: Error | null | undefined,
    _request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (error)
      reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }

  override routeNotFound(request: FastifyRequest): void {
    request.log.debug({ url: request.url }, 'route not found');
  }
}
