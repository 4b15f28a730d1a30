// Where a server's CPU time goes: a V8 CPU profile (`node --cpu-prof`) split into a few named parts,
// counting only samples from a window of the run (the load, not the start-up).
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The part of the request path a function belongs to, by where its code lives. */
function partOf({ functionName, url }: ProfileNode['callFrame']): string | undefined {
  if (functionName === '(idle)') return undefined;
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (url.includes('/node_modules/pino') || url.includes('/node_modules/fast-redact'))
    return 'logging (pino)';
  if (url.includes('/node_modules/zod') || url.includes('fastify-type-provider-zod'))
    return 'response schema (zod)';
  if (url.includes('/node_modules/@fastify/cookie') || url.includes('/node_modules/cookie'))
    return 'cookies (@fastify/cookie)';
  if (
    url.includes('/node_modules/fastify/') ||
    url.includes('/node_modules/find-my-way') ||
    url.includes('/node_modules/@fastify/') ||
    url.includes('/node_modules/fast-json-stringify') ||
    url.includes('/node_modules/avvio')
  )
    return 'Fastify';
  if (
    url.startsWith('wasm://') ||
    url.includes('/node_modules/@electric-sql') ||
    url.includes('/node_modules/pg') ||
    url.includes('/node_modules/kysely')
  )
    return 'database client and embedded database';
  if (url.includes('/src/auth/')) return 'Tessera: authentication';
  if (url.includes('/src/platform/')) return 'Tessera: platform (headers, metrics, guards)';
  if (url.includes('/src/')) return 'Tessera: other';
  if (
    url.startsWith('node:') ||
    ['writeUtf8String', 'writev', 'writeBuffer', 'read', 'hash', 'utf8Slice', 'close'].includes(functionName)
  )
    return 'Node: HTTP, sockets, timers';
  return 'V8 and other';
}

/** µs of CPU per part, over the samples taken `fromMs`..`toMs` after the profile started. */
export function splitProfile(file: string, fromMs: number, toMs: number): Map<string, number> {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const parts = new Map<number, string | undefined>();
  for (const node of profile.nodes) parts.set(node.id, partOf(node.callFrame));
  const split = new Map<string, number>();
  let at = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < fromMs * 1000 || at > toMs * 1000) continue;
    const part = parts.get(profile.samples[i]!);
    if (part) split.set(part, (split.get(part) ?? 0) + delta);
  }
  return split;
}
