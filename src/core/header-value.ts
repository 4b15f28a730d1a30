/**
 * Identity headers (`X-Tessera-User`, `X-Tessera-Teams`) carry names people type. Node refuses a header
 * value outside Latin-1 (a 500 for every request of that account), sends Latin-1 as raw bytes that UTF-8
 * readers garble, and a `,` inside a name would split a comma-separated list. So a value is sent as
 * RFC 3986 percent-encoded UTF-8 wherever plain ASCII would not survive: every character outside visible
 * ASCII and space, `%` itself (so that decoding is exact), `,` (the list separator), and a space at either
 * end of a value (HTTP parsers trim it). Everything else, plain ASCII names included, is left unchanged.
 * An upstream decodes each comma-separated item with `decodeURIComponent`.
 */

// Everything but SP and visible ASCII, less `%` (0x25) and `,` (0x2c); and spaces at either end.
const UNSAFE = /[^\x20-\x24\x26-\x2b\x2d-\x7e]+|^ +| +$/gu;

/** One value, safe in a header and in a comma-separated list; `decodeURIComponent` gives it back. */
export function encodeHeaderValue(text: string): string {
  // A lone surrogate has no UTF-8 form (encodeURIComponent would throw): it becomes U+FFFD, as it does
  // when the database stores the name.
  return text.toWellFormed().replace(UNSAFE, (run) => encodeURIComponent(run));
}

/** Items joined by `,`, each encoded: split on `,`, then decode each item. */
export function encodeHeaderList(items: readonly string[]): string {
  return items.map(encodeHeaderValue).join(',');
}
