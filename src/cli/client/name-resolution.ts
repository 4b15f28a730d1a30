import type { TokenKind } from '../../core/token-kind.ts';
import type { ApiClient } from './api-client.ts';
import type { Account, Token } from './api-types.ts';
import { ApiError, CliError } from './errors.ts';
import { ownerLabel } from './output.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isId = (value: string) => UUID.test(value);

/**
 * The one item called `name`: exact matches first, then matches ignoring case (names are unique per owner
 * ignoring case). None is an error; more than one is an error listing them, so the caller can pick an ID.
 */
function pickOne<T extends { id: string }>(
  what: string,
  name: string,
  items: readonly T[],
  namesOf: (item: T) => (string | null)[],
  describe: (item: T) => string,
): T {
  const exact = items.filter((item) => namesOf(item).includes(name));
  const lower = name.toLowerCase();
  const matches =
    exact.length > 0 ? exact : items.filter((item) => namesOf(item).some((n) => n?.toLowerCase() === lower));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0)
    throw new CliError(`No ${what} you can see is called "${name}".`, undefined, 'not_found');
  const list = matches.map((item) => `  ${item.id}  ${describe(item)}`).join('\n');
  throw new CliError(
    `"${name}" names ${matches.length} ${what}s; give one of these IDs instead:\n${list}`,
    undefined,
    'ambiguous',
  );
}

/**
 * A token by ID, or by name among the caller's own tokens and, when the caller may see them (Admins), the
 * service tokens; `kind` narrows the search to one of the two.
 */
export async function resolveToken(api: ApiClient, idOrName: string, kind?: TokenKind): Promise<Token> {
  if (isId(idOrName)) return api.request<Token>('GET', `/api/tokens/${idOrName}`);
  const q = idOrName.slice(0, 100);
  const personal = kind === 'service' ? [] : await api.all<Token>('/api/tokens', { kind: 'personal', q });
  let service: Token[] = [];
  if (kind !== 'personal') {
    try {
      service = await api.all<Token>('/api/tokens', { kind: 'service', q });
    } catch (error) {
      // A Member may not list service tokens: unless they asked for one, theirs are all there is.
      if (kind === 'service' || !(error instanceof ApiError && error.status === 403)) throw error;
    }
  }
  return pickOne(
    'token',
    idOrName,
    [...personal, ...service],
    (token) => [token.name],
    (token) => `${token.kind} token of ${ownerLabel(token.owner)}, ${token.status}`,
  );
}

/** An account by ID, or by name, email or internal ID; `kind` narrows it to people or service users. */
export async function resolveAccount(
  api: ApiClient,
  idOrName: string,
  kind?: Account['kind'],
): Promise<Account> {
  const what = kind === 'service' ? 'service user' : 'user';
  if (isId(idOrName)) {
    const account = await api.request<Account>('GET', `/api/users/${idOrName}`);
    if (kind && account.kind !== kind)
      throw new CliError(`${idOrName} is not a ${what}.`, undefined, 'not_found');
    return account;
  }
  const accounts = await api.all<Account>('/api/users', {
    kind,
    q: idOrName.slice(0, 100),
    include_deactivated: true,
  });
  return pickOne(
    what,
    idOrName,
    accounts,
    // `svc-airflow` names `svc-airflow@service`, as the API takes either when one is made.
    (account) => [
      account.name,
      account.email,
      account.internal_id,
      account.internal_id?.replace(/@service$/, '') ?? null,
    ],
    (account) => `${ownerLabel(account)}, ${account.status}`,
  );
}
