import { ApiClient } from './api-client.ts';
import { Output } from './output.ts';
import { connectionFrom, type Env } from './stored-login.ts';

/** What a client command works with: the environment, its output, and the API once signed in. */
export interface ClientContext {
  env: Env;
  output: Output;
  /** The API as the stored login or TESSERA_URL and TESSERA_TOKEN say; an error with exit 4 when neither does. */
  api(): ApiClient;
}

export function processContext(): ClientContext {
  const env = process.env;
  return {
    env,
    output: new Output(process.stdout, process.stderr, env),
    api: () => new ApiClient(connectionFrom(env)),
  };
}

/** A commander action with the context first; commander passes the arguments, then the options. */
export const withContext =
  <A extends unknown[]>(run: (context: ClientContext, ...args: A) => Promise<void>) =>
  (...args: A) =>
    run(processContext(), ...args);
