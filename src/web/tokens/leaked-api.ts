import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { TokenKind } from '../../core/token-kind.ts';
import { api } from '../api/client.ts';
import { useSingleFlight } from '../api/single-flight.ts';
import type { Token } from '../api/types.ts';
import { tokensKey } from './api.ts';

/** One secret found in a pasted text, as the server describes it: never the secret itself. */
export interface LeakedSecret {
  kind: TokenKind;
  hint: string;
  token: Token | null;
  revoked: boolean;
}

/** What each secret in a text is (Admins). Nothing is kept: the text goes in the body and is forgotten. */
export function useLeakedLookup() {
  return useSingleFlight(
    useMutation({
      mutationFn: (text: string) =>
        api<{ items: LeakedSecret[] }>('/api/leaked-secrets/lookup', { method: 'POST', body: { text } }),
    }),
  );
}

/** Revoke the tokens of these secrets with the reason "leaked"; every token list refetches. */
export function useRevokeLeaked() {
  const client = useQueryClient();
  return useSingleFlight(
    useMutation({
      mutationFn: (secrets: string[]) =>
        api<{ items: LeakedSecret[] }>('/api/leaked-secrets/revoke', { method: 'POST', body: { secrets } }),
      onSettled: () => client.invalidateQueries({ queryKey: tokensKey() }),
    }),
  );
}
