import { createContext, useContext } from 'react';
import type { Me } from '../api/types.ts';

/**
 * The signed-in account, provided by <RequireSession> only while it renders its pages. Reading it from the
 * guard, rather than from the `me` query, means a page never renders with the session already gone: when the
 * session ends, the guard swaps its pages for the way to sign-in before any of them renders again.
 */
export const AccountContext = createContext<Me['account'] | null>(null);

export function useAccount(): Me['account'] {
  const account = useContext(AccountContext);
  if (!account) throw new Error('useAccount outside a signed-in page');
  return account;
}
