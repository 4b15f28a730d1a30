/**
 * The path of a request target as a proxy routes it, for comparing with a path prefix (a `scim`
 * token's `/scim/v2`, and later other scopes). A proxy percent-decodes the target once and resolves dot
 * segments before it picks a location, so a check on the raw text can be told `/scim/v2/../../admin`
 * and agree while the proxy sends the request to `/admin`.
 *
 * Anything two proxies (or a proxy and its upstream) might read differently is refused rather than
 * guessed at: an encoded `/` or `\` (nginx decodes `%2F` into a separator, others keep it in a segment),
 * a raw `\`, dot segments (`.`, `..`, their encoded forms, and `..;` — Tomcat's path parameters), control
 * characters, malformed or non-UTF-8 percent-encoding, and raw non-ASCII. Decoding happens once: `%252e`
 * is the three characters `%2e`, as it is to a proxy that decodes once. Empty segments are kept as they
 * are, not merged: the result only ever fails to match a prefix that a merging proxy would match, never
 * the other way round.
 */

export type RequestPath = { ok: true; path: string } | { ok: false; problem: string };

const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

/** The decoded path of a request target (origin form `/a/b?q`, or absolute form `https://host/a/b?q`). */
export function normalizeRequestPath(target: string): RequestPath {
  let end = target.length;
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c === 0x3f /* ? */ || c === 0x23 /* # */) {
      end = i;
      break;
    }
  }
  let raw = target.slice(0, end);
  // Some proxies send the whole URL (ingress-nginx's X-Original-URL): only its path is routed on.
  const authority = ABSOLUTE_FORM.exec(raw);
  if (authority) raw = raw.slice(authority[0].length) || '/';
  if (raw.charCodeAt(0) !== 0x2f) return refused('it does not start with "/"');

  let encoded = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x5c) return refused('it contains a "\\"');
    if (c <= 0x20 || c === 0x7f) return refused('it contains a space or a control character');
    if (c > 0x7e) return refused('it contains a character that is not percent-encoded ASCII');
    if (c !== 0x25 /* % */) continue;
    const byte = hexByte(raw, i + 1);
    if (byte < 0) return refused('it contains a "%" that is not followed by two hex digits');
    if (byte === 0x2f) return refused('it contains an encoded "/" (%2F)');
    if (byte === 0x5c) return refused('it contains an encoded "\\" (%5C)');
    if (byte < 0x20 || byte === 0x7f) return refused('it contains an encoded control character');
    encoded = true;
    i += 2;
  }

  let path = raw;
  if (encoded) {
    try {
      path = decodeURIComponent(raw);
    } catch {
      return refused('its percent-encoding is not UTF-8');
    }
    // Decoded bytes ≥ 0x80 may spell C1 controls (U+0080–U+009F).
    if (/[\u0080-\u009f]/.test(path)) return refused('it contains an encoded control character');
  }

  let start = 1;
  while (start <= path.length) {
    let stop = path.indexOf('/', start);
    if (stop < 0) stop = path.length;
    if (isDotSegment(path, start, stop)) return refused('it contains a "." or ".." segment');
    start = stop + 1;
  }
  return { ok: true, path };
}

/** Whether a normalized path is `prefix` itself or below it (`/scim/v2`, `/scim/v2/…`; not `/scim/v2x`). */
export function isPathWithin(path: string, prefix: string): boolean {
  return (
    path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 0x2f)
  );
}

function refused(problem: string): RequestPath {
  return { ok: false, problem };
}

/** `.` or `..`, with or without a `;parameter` after it (which some servers drop before resolving). */
function isDotSegment(path: string, start: number, stop: number): boolean {
  const semicolon = path.indexOf(';', start);
  const end = semicolon >= 0 && semicolon < stop ? semicolon : stop;
  const length = end - start;
  if (length === 1) return path.charCodeAt(start) === 0x2e;
  if (length === 2) return path.charCodeAt(start) === 0x2e && path.charCodeAt(start + 1) === 0x2e;
  return false;
}

function hexByte(text: string, at: number): number {
  if (at + 2 > text.length) return -1;
  const high = hexDigit(text.charCodeAt(at));
  const low = hexDigit(text.charCodeAt(at + 1));
  return high < 0 || low < 0 ? -1 : high * 16 + low;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}
