import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './App.tsx';
import { ApiError, setCsrfToken } from './api/client.ts';
import { endsSession } from './api/session-end.ts';
import { ErrorBoundary } from './layout/ErrorBoundary.tsx';
import { ME_KEY } from './session/api.ts';
import { NowProvider } from './ui/now.tsx';
import { ToastProvider } from './ui/Toast.tsx';
import { TooltipProvider } from './ui/Tooltip.tsx';
import './styles.css';

/**
 * A session that ends while the page is open, noticed by any read or any change: forget who was signed in,
 * which makes <RequireSession> send the person to sign-in and back here afterwards.
 */
function onError(error: Error) {
  if (!endsSession(error)) return;
  setCsrfToken(null);
  queryClient.setQueryData(ME_KEY, null);
}

const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError }),
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      retry: (count, error) =>
        !(error instanceof ApiError && error.status > 0 && error.status < 500) && count < 2,
      refetchOnWindowFocus: true,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <NowProvider>
          <TooltipProvider>
            <ToastProvider>
              <ErrorBoundary>
                <App />
              </ErrorBoundary>
            </ToastProvider>
          </TooltipProvider>
        </NowProvider>
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
