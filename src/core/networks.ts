// Network fences: the client networks a token may be used from, as CIDR blocks (IPv4 and IPv6). Pure, so
// that the console checks the field as the server does.

/** The most networks one token may list. */
export const MAX_ALLOWED_NETWORKS = 50;

/** An address as bytes: 4 for IPv4, 16 for IPv6. */
type Bytes = readonly number[];

export interface Network {
  bytes: Bytes;
  prefix: number;
}

function parseIpv4(text: string): Bytes | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const part of parts) {
    // No leading zeros: `010` means octal to some tools and decimal to others.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    bytes.push(value);
  }
  return bytes;
}

function parseIpv6(text: string): Bytes | undefined {
  if (text.length > 45) return undefined;
  let tail: Bytes = [];
  let head = text;
  // An IPv4 address in the last 32 bits (`::ffff:10.1.2.3`).
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.slice(lastColon + 1).includes('.')) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = v4;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groupsOf(halves[0]!);
  const right = halves.length === 2 ? groupsOf(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  const bytes: number[] = [];
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    const value = Number.parseInt(group, 16);
    bytes.push(value >> 8, value & 0xff);
  }
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, as a dual-stack socket reports IPv4 clients) as IPv4. */
function unmapped(bytes: Bytes): Bytes {
  if (bytes.length !== 16) return bytes;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return bytes;
  return bytes[10] === 0xff && bytes[11] === 0xff ? bytes.slice(12) : bytes;
}

/** A client address as bytes; undefined when it is not an IP address. A zone (`%eth0`) is ignored. */
export function parseAddress(text: string): Bytes | undefined {
  const address = text.trim().replace(/%[0-9A-Za-z_.-]+$/, '');
  const bytes = address.includes(':') ? parseIpv6(address) : parseIpv4(address);
  return bytes && unmapped(bytes);
}

function formatAddress(bytes: Bytes): string {
  if (bytes.length === 4) return bytes.join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  // RFC 5952: the longest run of two or more zero groups (the first of equals) becomes `::`.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

export type NetworkCheck = { ok: true; network: Network; text: string } | { ok: false; message: string };

/**
 * One CIDR block (`10.0.0.0/8`, `2001:db8::/32`), or one address (a /32 or /128). Host bits set after
 * the prefix are refused, naming the network meant, rather than guessed at.
 */
export function parseNetwork(input: string): NetworkCheck {
  const text = input.trim();
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const bytes = addressText.includes(':') ? parseIpv6(addressText) : parseIpv4(addressText);
  if (!bytes) return { ok: false, message: `"${input}" is not an IPv4 or IPv6 address or CIDR block.` };
  const bits = bytes.length * 8;
  let prefix = bits;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > bits) {
      return {
        ok: false,
        message: `"${input}": the prefix length must be a whole number from 0 to ${bits}.`,
      };
    }
    prefix = Number(prefixText);
  }
  const network = { bytes: masked(bytes, prefix), prefix };
  const canonical = `${formatAddress(network.bytes)}/${prefix}`;
  if (network.bytes.some((byte, i) => byte !== bytes[i])) {
    return { ok: false, message: `"${input}" has bits set after its prefix; did you mean ${canonical}?` };
  }
  return { ok: true, network, text: canonical };
}

function masked(bytes: Bytes, prefix: number): Bytes {
  return bytes.map((byte, i) => {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    return byte & ((0xff << (8 - keep)) & 0xff);
  });
}

export type NetworksCheck = { ok: true; networks: string[] } | { ok: false; message: string };

/** A token's whole list, each entry in its canonical form, duplicates dropped; empty is refused. */
export function checkNetworks(list: readonly string[]): NetworksCheck {
  if (list.length === 0) {
    return { ok: false, message: 'List at least one network, or send null to allow any address.' };
  }
  if (list.length > MAX_ALLOWED_NETWORKS) {
    return { ok: false, message: `At most ${MAX_ALLOWED_NETWORKS} networks.` };
  }
  const networks: string[] = [];
  for (const [index, entry] of list.entries()) {
    const result = parseNetwork(entry);
    if (!result.ok) return { ok: false, message: `Entry ${index + 1}: ${result.message}` };
    if (!networks.includes(result.text)) networks.push(result.text);
  }
  return { ok: true, networks };
}

/** Whether `address` lies in `network` (an IPv4 network never holds an IPv6 address, or the reverse). */
export function networkContains(network: Network, address: Bytes): boolean {
  if (network.bytes.length !== address.length) return false;
  const fixed = masked(address, network.prefix);
  return fixed.every((byte, i) => byte === network.bytes[i]);
}

/** A test of client addresses against a list of networks, parsed once. */
export function networkFence(list: readonly string[]): (address: string) => boolean {
  const networks = list.flatMap((entry) => {
    const result = parseNetwork(entry);
    return result.ok ? [result.network] : [];
  });
  return (address) => {
    const bytes = parseAddress(address);
    return bytes !== undefined && networks.some((network) => networkContains(network, bytes));
  };
}

/** The field as people type it: networks separated by commas, spaces or new lines. */
export function splitNetworks(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}
