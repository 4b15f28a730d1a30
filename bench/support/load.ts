import autocannon from 'autocannon';

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
