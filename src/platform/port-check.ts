import { createServer } from 'node:net';
import { StartupError } from './errors.ts';

export class PortInUseError extends StartupError {}

/** The one line a person reads when the address cannot be had, naming the way to pick another. */
export function portProblem(error: unknown, host: string, port: number): StartupError | null {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE') {
    return new PortInUseError(
      `Port ${port} on ${host} is already in use by another program (or another Tessera). ` +
        `Stop it, or choose another port:  PORT=${port === 8081 ? 8082 : 8081} npm start`,
    );
  }
  if (code === 'EACCES') {
    return new PortInUseError(
      `Port ${port} on ${host} needs privileges this process does not have. Choose a port above 1023:  PORT=8080 npm start`,
    );
  }
  if (code === 'EADDRNOTAVAIL') {
    return new PortInUseError(`The address ${host} is not one of this machine's: set HOST to one that is.`);
  }
  return null;
}

/**
 * Fails with one clear line when the address is taken, before anything is opened or written: a first start
 * must not seed the first admin, and print nothing, only to find the port busy afterwards.
 */
export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error) => reject(portProblem(error, host, port) ?? error));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
