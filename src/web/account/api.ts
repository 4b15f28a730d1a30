import { useMutation } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import { useSingleFlight } from '../api/single-flight.ts';

export interface PasswordChange {
  current_password: string;
  new_password: string;
}

/** Your own password; the server ends every other session of yours. */
export function useChangePassword() {
  return useSingleFlight(
    useMutation({
      mutationFn: (change: PasswordChange) => api<void>('/api/me/password', { method: 'POST', body: change }),
    }),
  );
}
