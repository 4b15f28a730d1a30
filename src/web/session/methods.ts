import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client.ts';

/** What the sign-in page offers (GET /api/auth/methods, asked signed out). */
export interface SignInMethods {
  password: boolean;
  sso: { label: string; start_url: string } | null;
}

export const METHODS_QUERY = {
  queryKey: ['sign-in-methods'] as const,
  queryFn: () => api<SignInMethods>('/api/auth/methods'),
  // Set in the server's environment: it changes only with a restart.
  staleTime: Number.POSITIVE_INFINITY,
};

export function useSignInMethods() {
  return useQuery(METHODS_QUERY);
}
