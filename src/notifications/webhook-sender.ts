import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { annotate, span, traceHeaders } from '../platform/tracing.ts';
import { guardedLookup, isPrivateAddress, RefusedAddressError } from './address-guard.ts';

/** How long one attempt may take, connection to last byte. */
export const ATTEMPT_TIMEOUT_MS = 10_000;
/** How much of a response's body the delivery log keeps. */
const RESPONSE_START_CHARS = 500;

export interface AttemptResult {
  /** Null: no response (refused address, timeout, connection error). */
  statusCode: number | null;
  ok: boolean;
  durationMs: number;
  responseStart: string | null;
  error: string | null;
}

export interface SignedMessage {
  url: string;
  /** The event's ID: the same `webhook-id` on every attempt. */
  id: string;
  secret: string;
  body: string;
  timestamp: Date;
}

/** The Standard Webhooks headers for one attempt. */
export function signatureHeaders(message: Omit<SignedMessage, 'url'>): Record<string, string> {
  const seconds = Math.floor(message.timestamp.getTime() / 1000);
  return {
    'webhook-id': message.id,
    'webhook-timestamp': String(seconds),
    'webhook-signature': new Webhook(message.secret).sign(message.id, message.timestamp, message.body),
  };
}

/**
 * One POST of a signed message: redirects are not followed (a 3xx is a failure like any non-2xx), and
 * the address is checked after DNS resolution unless private addresses are allowed.
 */
export function sendSigned(message: SignedMessage, allowPrivate: boolean): Promise<AttemptResult> {
  // The host only: a webhook URL's path or query may carry a receiver's own secret.
  const attributes = { 'http.request.method': 'POST', 'server.address': new URL(message.url).hostname };
  return span(
    'webhook delivery',
    async () => {
      const result = await post(message, allowPrivate);
      annotate({
        'http.response.status_code': result.statusCode ?? 0,
        'tessera.webhook.delivered': result.ok,
      });
      return result;
    },
    attributes,
  );
}

function post(message: SignedMessage, allowPrivate: boolean): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const failed = (error: string): AttemptResult => ({
    statusCode: null,
    ok: false,
    durationMs: elapsed(),
    responseStart: null,
    error,
  });
  const url = new URL(message.url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && isPrivateAddress(host) && !allowPrivate) {
    return Promise.resolve(
      failed(`${host} is a private address (TESSERA_WEBHOOK_ALLOW_PRIVATE=1 allows it)`),
    );
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Tessera-Webhooks',
          ...signatureHeaders(message),
          ...traceHeaders(),
        },
        lookup: guardedLookup(allowPrivate) as never,
        timeout: ATTEMPT_TIMEOUT_MS,
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (text.length < RESPONSE_START_CHARS) text += chunk;
        });
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          resolve({
            statusCode: status,
            ok: status >= 200 && status < 300,
            durationMs: elapsed(),
            responseStart: text.slice(0, RESPONSE_START_CHARS),
            error: null,
          });
        });
        response.on('error', (error) => resolve(failed(error.message)));
      },
    );
    request.on('timeout', () =>
      request.destroy(new Error(`no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`)),
    );
    request.on('error', (error) =>
      resolve(
        failed(
          error instanceof RefusedAddressError || error.name !== 'AbortError'
            ? error.message
            : `no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`,
        ),
      ),
    );
    request.end(message.body);
  });
}
