// Requests one at a time over one kept-alive connection, each timed from its write to its answer's
// end: the latency of a path when nothing else waits ahead of it in the server.
import { Agent, request } from 'node:http';

export interface Sequential {
  latencies: number[];
  /** Answers that were not 200. */
  failed: number;
}

export async function sequential(url: string, path: string, secrets: string[]): Promise<Sequential> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  let failed = 0;
  try {
    for (const secret of secrets) {
      const started = performance.now();
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(
          `${url}${path}`,
          { agent, headers: { authorization: `Bearer ${secret}` } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end();
      });
      latencies.push(performance.now() - started);
      if (status !== 200) failed++;
    }
  } finally {
    agent.destroy();
  }
  return { latencies, failed };
}
