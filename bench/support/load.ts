import autocannon from 'autocannon';
import { quantile } from './stats.ts';

export interface Load {
  path: string;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
}

/**
 * Load one path on loopback for `seconds` with autocannon, each request carrying the next of `secrets`
 * (round robin) when given. Requests per second is the total over the elapsed time.
 */
export async function load(
  url: string,
  path: string,
  options: { seconds: number; connections?: number; secrets?: string[]; amount?: number },
): Promise<Load> {
  const secrets = options.secrets;
  let next = 0;
  const result = await autocannon({
    url,
    connections: options.connections ?? 16,
    ...(options.amount ? { amount: options.amount } : { duration: options.seconds }),
    requests: [
      {
        method: 'GET',
        path,
        ...(secrets
          ? {
              setupRequest: (request) => {
                const secret = secrets[next++ % secrets.length]!;
                return { ...request, headers: { ...request.headers, authorization: `Bearer ${secret}` } };
              },
            }
          : {}),
      },
    ],
  });
  return {
    path,
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** One path's share of an interleaved load: what `load` reports, and its requests in each window. */
export interface InterleavedLoad extends Load {
  /** Requests per second of this path in each window, in order (see `interleavedLoad`). */
  windows: number[];
}

/**
 * Load several paths on one server in turn, `sliceMs` each, through the same connections, for `seconds`
 * in all. On a shared VM the machine's speed drifts by a third over seconds (seen: /healthz alone at
 * 53–73 µs of server CPU per request from one 2-second round to the next), so paths measured a few
 * seconds apart are measured on different machines. Slices of 100 ms put every path on the same machine
 * over and over, so a ratio of their requests per second compares like with like.
 *
 * A request counts for the path it was sent to, and each path's time is the sum of its slices, as timed
 * here; a request still in flight when its slice ends is answered in the next one, which happens to
 * every path alike. Latency is from the request's write to its answer, per path. `windows` splits the
 * run into `windows` equal parts, to show how steady each path was.
 */
export async function interleavedLoad(
  url: string,
  paths: string[],
  options: { seconds: number; sliceMs?: number; connections?: number; secrets: string[]; windows?: number },
): Promise<InterleavedLoad[]> {
  const { secrets, seconds } = options;
  const sliceMs = options.sliceMs ?? 100;
  const windowCount = options.windows ?? 9;
  const windowMs = (seconds * 1000) / windowCount;
  let current = 0;
  let next = 0;
  const started = performance.now();
  let sliceStart = started;
  const windowTime = paths.map(() => new Array<number>(windowCount).fill(0));
  const windowRequests = paths.map(() => new Array<number>(windowCount).fill(0));
  const latencies = paths.map((): number[] => []);
  const non2xx = paths.map(() => 0);
  const windowOf = (at: number) => Math.min(windowCount - 1, Math.floor((at - started) / windowMs));
  const endSlice = (now: number) => {
    windowTime[current]![windowOf(sliceStart)]! += now - sliceStart;
    sliceStart = now;
  };
  const timer = setInterval(() => {
    endSlice(performance.now());
    current = (current + 1) % paths.length;
  }, sliceMs);
  let result: Awaited<ReturnType<typeof autocannon>>;
  try {
    result = await autocannon({
      url,
      connections: options.connections ?? 16,
      duration: seconds,
      requests: [
        {
          method: 'GET',
          setupRequest: (request, context) => {
            context.path = current;
            context.sentAt = performance.now();
            const secret = secrets[next++ % secrets.length]!;
            return {
              ...request,
              path: paths[current],
              headers: { ...request.headers, authorization: `Bearer ${secret}` },
            };
          },
          onResponse: (status, _body, context) => {
            const now = performance.now();
            const path = context.path as number;
            if (status < 200 || status > 299) non2xx[path]!++;
            latencies[path]!.push(now - (context.sentAt as number));
            windowRequests[path]![windowOf(context.sentAt as number)]!++;
          },
        },
      ],
    });
  } finally {
    clearInterval(timer);
  }
  endSlice(performance.now());
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  return paths.map((path, i) => ({
    path,
    rps: (latencies[i]!.length * 1000) / sum(windowTime[i]!),
    p50: quantile(latencies[i]!, 0.5),
    p99: quantile(latencies[i]!, 0.99),
    requests: latencies[i]!.length,
    non2xx: non2xx[i]!,
    // autocannon counts errors for the whole run: they are charged to every path, so any fails the run.
    errors: result.errors + result.timeouts,
    windows: windowRequests[i]!.map((n, w) => (n * 1000) / windowTime[i]![w]!),
  }));
}
