import type { MutateOptions, UseMutationResult } from '@tanstack/react-query';
import { useRef } from 'react';

/**
 * A mutation that runs once at a time: a second `mutate` while the first is in flight is dropped. The
 * button's `busy` state disables it only after React renders again, and a double click's second click
 * arrives before that: without this, "Revoke token" sent twice and showed the second request's 409.
 */
export function useSingleFlight<TData, TError, TVariables, TContext>(
  mutation: UseMutationResult<TData, TError, TVariables, TContext>,
): UseMutationResult<TData, TError, TVariables, TContext> {
  const inFlight = useRef(false);
  const mutate = (variables: TVariables, options?: MutateOptions<TData, TError, TVariables, TContext>) => {
    if (inFlight.current) return;
    inFlight.current = true;
    mutation.mutate(variables, {
      ...options,
      onSettled: (...settled) => {
        inFlight.current = false;
        options?.onSettled?.(...settled);
      },
    });
  };
  return { ...mutation, mutate: mutate as typeof mutation.mutate };
}
