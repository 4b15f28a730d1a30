import { exactTime, expirationPhrase, lastUsedPhrase } from '../core/time-phrases.ts';
import type { Mail } from './mailer.ts';

// What Tessera emails, in plain text and HTML. Built from names, dates and links only: no secret, and
// no secret hash, is ever given to these functions.

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A token's own page in the console, whose actions menu offers Rotate (as `paths.token` in the console). */
export function tokenLink(
  publicUrl: string | undefined,
  token: { kind: 'personal' | 'service'; id: string },
): string | null {
  return publicUrl
    ? `${publicUrl}/settings/access-tokens/${token.kind}/${encodeURIComponent(token.id)}`
    : null;
}

export interface ExpiringToken {
  id: string;
  name: string;
  kind: 'personal' | 'service';
  owner: string;
  expiresAt: Date;
  lastUsedAt: Date | null;
}

function tokenLines(token: ExpiringToken, now: Date, publicUrl: string | undefined) {
  const link = tokenLink(publicUrl, token);
  return {
    text: [
      `- ${token.name} (${token.kind} token of ${token.owner})`,
      `  ${expirationPhrase(token.expiresAt, now)}: ${exactTime(token.expiresAt, 'UTC')}`,
      `  ${lastUsedPhrase(token.lastUsedAt, now)}`,
      ...(link ? [`  Rotate it: ${link}`] : []),
    ].join('\n'),
    html:
      `<li><strong>${escapeHtml(token.name)}</strong> (${token.kind} token of ${escapeHtml(token.owner)})<br>` +
      `${escapeHtml(expirationPhrase(token.expiresAt, now))}: ${escapeHtml(exactTime(token.expiresAt, 'UTC'))}<br>` +
      `${escapeHtml(lastUsedPhrase(token.lastUsedAt, now))}` +
      (link ? `<br><a href="${escapeHtml(link)}">Rotate it in Tessera</a>` : '') +
      '</li>',
  };
}

/** One email per recipient and run, listing all their tokens that crossed a threshold. */
export function expiryDigest(
  to: string,
  tokens: ExpiringToken[],
  now: Date,
  publicUrl: string | undefined,
): Mail {
  const expired = tokens.filter((t) => t.expiresAt <= now).length;
  const subject =
    tokens.length === 1
      ? `Tessera: your token "${tokens[0]!.name}" ${tokens[0]!.expiresAt <= now ? 'has expired' : 'expires soon'}`
      : `Tessera: ${tokens.length} tokens ${expired === tokens.length ? 'have expired' : 'expire soon'}`;
  const lines = tokens.map((t) => tokenLines(t, now, publicUrl));
  const intro =
    'These access tokens expire soon or have expired. Whatever uses them stops working at their expiry: ' +
    'rotate them, and put the new secret where the old one is used.';
  return {
    to,
    subject,
    text: `${intro}\n\n${lines.map((l) => l.text).join('\n\n')}\n`,
    html: `<p>${escapeHtml(intro)}</p><ul>${lines.map((l) => l.html).join('')}</ul>`,
  };
}

/** "Your token was revoked / rotated": sent to its owner whatever their settings. */
export function securityNotice(
  to: string,
  notice: {
    what: 'revoked' | 'rotated';
    token: { id: string; name: string; kind: 'personal' | 'service' };
    by: string;
    reason: string | null;
    at: Date;
  },
  publicUrl: string | undefined,
): Mail {
  const { what, token } = notice;
  const sentence =
    `Your ${token.kind} token "${token.name}" was ${what} by ${notice.by} on ` +
    `${exactTime(notice.at, 'UTC')}${notice.reason ? ` (reason: ${notice.reason})` : ''}.`;
  const after =
    what === 'revoked'
      ? 'It no longer authenticates. If you did not expect this, ask an Admin.'
      : 'The old secret stops working at the end of its grace period; use the new one.';
  const link = tokenLink(publicUrl, token);
  return {
    to,
    subject: `Tessera: your token "${token.name}" was ${what}`,
    text: `${sentence}\n${after}\n${link ? `\nThe token: ${link}\n` : ''}`,
    html:
      `<p>${escapeHtml(sentence)}</p><p>${escapeHtml(after)}</p>` +
      (link ? `<p><a href="${escapeHtml(link)}">Open the token in Tessera</a></p>` : ''),
  };
}

/** To every Admin: a webhook failed for 24 hours and was turned off. */
export function webhookDisabledNotice(to: string, url: string, since: Date): Mail {
  const sentence =
    `The webhook to ${url} has failed every delivery since ${exactTime(since, 'UTC')} and was disabled. ` +
    'Fix the receiver, then enable the webhook again under Settings → Webhooks.';
  return {
    to,
    subject: 'Tessera: a webhook was disabled',
    text: `${sentence}\n`,
    html: `<p>${escapeHtml(sentence)}</p>`,
  };
}
