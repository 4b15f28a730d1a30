import { callerOf } from '../platform/http/request-caller.ts';
import { ErrorBody } from '../platform/http/schemas.ts';
import type { App } from '../platform/http/types.ts';
import type { LeakedSecrets as LeakedSecretService } from './leaked-secrets.ts';
import { LeakedSecrets, LeakedSecretsBody, RevokeLeakedBody } from './schemas.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };

/** The console's "Revoke leaked secrets" (Admins). Answers name each secret by its hint, never in full. */
export function leakedSecretRoutes(app: App, services: { leakedSecrets: LeakedSecretService }): void {
  app.post(
    '/api/leaked-secrets/lookup',
    {
      schema: {
        tags: ['Tokens'],
        summary: 'Find the secrets in a text, and what each is',
        description:
          'Admins. Every well-formed `tsr_…` secret with a valid checksum in `text`, once each, in order of ' +
          'appearance, with its token (any owner) or null. Changes nothing. 400 (`text`) over 100 secrets.',
        body: LeakedSecretsBody,
        response: { 200: LeakedSecrets, ...errors },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return { items: await services.leakedSecrets.find(callerOf(request), request.body.text) };
    },
  );

  app.post(
    '/api/leaked-secrets/revoke',
    {
      schema: {
        tags: ['Tokens'],
        summary: 'Revoke leaked secrets',
        description:
          'Admins. Revokes the active token of each secret, whoever owns it, with the reason "leaked", in ' +
          'one transaction; tokens already revoked or expired and unknown secrets are left as they are. ' +
          '400 (`secrets.N`) for a string that is not a well-formed secret, and then nothing is revoked.',
        body: RevokeLeakedBody,
        response: { 200: LeakedSecrets, ...errors },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return { items: await services.leakedSecrets.revoke(callerOf(request), request.body.secrets) };
    },
  );
}
