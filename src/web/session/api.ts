import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { roleAtLeast } from '../../core/roles.ts';
import { ApiError, api, setCsrfToken } from '../api/client.ts';
import type { Me } from '../api/types.ts';
import { useAccount } from './account-context.tsx';
import { METHODS_QUERY } from './methods.ts';

export const ME_KEY = ['me'] as const;

/** The signed-in account, or null when there is no session (a 401 is an answer here, not an error). */
async function fetchMe(): Promise<Me | null> {
  try {
    const me = await api<Me>('/api/me');
    setCsrfToken(me.csrf_token);
    return me;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw error;
  }
}

export function useMe() {
  return useQuery({ queryKey: ME_KEY, queryFn: fetchMe, staleTime: 60_000, retry: false });
}

export { useAccount } from './account-context.tsx';

export function useCan() {
  const account = useAccount();
  return {
    manageServiceTokens: account.role === 'admin',
    readUsers: roleAtLeast(account.role, 'manager'),
    readAudit: account.role === 'admin',
    isAdmin: account.role === 'admin',
  };
}

export function useSignIn() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (input: { email: string; password: string }) => {
      const signedIn = await api<{ csrf_token: string }>('/api/auth/login', { method: 'POST', body: input });
      setCsrfToken(signedIn.csrf_token);
      return fetchMe();
    },
    onSuccess: (me) => {
      client.clear();
      client.setQueryData(ME_KEY, me);
    },
  });
}

/**
 * Ends the session. With single sign-on, resolves to the identity provider's sign-out page, where the
 * browser should go next to sign out there too (null when there is none).
 */
export function useSignOut() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (): Promise<string | null> => {
      const methods = await client.fetchQuery(METHODS_QUERY).catch(() => null);
      try {
        if (!methods?.sso) {
          await api<void>('/api/auth/logout', { method: 'POST' });
          return null;
        }
        const out = await api<{ end_session_url: string | null }>('/api/auth/oidc/logout', {
          method: 'POST',
        });
        return out.end_session_url;
      } catch (error) {
        // An already-ended session is signed out all the same.
        if (!(error instanceof ApiError && error.status === 401)) throw error;
        return null;
      }
    },
    onSuccess: () => {
      setCsrfToken(null);
      client.clear();
      client.setQueryData(ME_KEY, null);
    },
  });
}
