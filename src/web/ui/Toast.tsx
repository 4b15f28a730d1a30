import { CircleAlert, CircleCheck, X } from 'lucide-react';
import { createContext, type ReactNode, useCallback, useContext, useMemo, useRef, useState } from 'react';
import { endsSession } from '../api/session-end.ts';

// Short messages after an action ("Token revoked"). They are announced by screen readers (a live
// region that is always in the page), stack in a corner, and go away by themselves.
interface ToastMessage {
  id: number;
  text: string;
  tone: 'success' | 'error';
}

interface ToastApi {
  success(text: string): void;
  /** A failure's message; not for a session that ended, which sign-in explains instead. */
  error(failure: string | Error): void;
}

const ToastContext = createContext<ToastApi | null>(null);
const VISIBLE_MS = 5000;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [messages, setMessages] = useState<ToastMessage[]>([]);
  const nextId = useRef(1);
  const dismiss = useCallback((id: number) => setMessages((all) => all.filter((m) => m.id !== id)), []);
  const show = useCallback(
    (text: string, tone: ToastMessage['tone']) => {
      const id = nextId.current++;
      setMessages((all) => [...all.slice(-2), { id, text, tone }]);
      window.setTimeout(() => dismiss(id), tone === 'error' ? VISIBLE_MS * 2 : VISIBLE_MS);
    },
    [dismiss],
  );
  const api = useMemo<ToastApi>(
    () => ({
      success: (text) => show(text, 'success'),
      error: (failure) => {
        if (typeof failure === 'string') show(failure, 'error');
        else if (!endsSession(failure)) show(failure.message, 'error');
      },
    }),
    [show],
  );
  return (
    <ToastContext.Provider value={api}>
      {children}
      <section className="toasts" aria-live="polite" aria-label="Notifications">
        {messages.map((message) => (
          <div key={message.id} className={`toast toast-${message.tone}`} role="status">
            {message.tone === 'success' ? (
              <CircleCheck size={16} aria-hidden="true" />
            ) : (
              <CircleAlert size={16} aria-hidden="true" />
            )}
            <span className="toast-text">{message.text}</span>
            <button
              type="button"
              className="toast-close"
              aria-label="Dismiss"
              onClick={() => dismiss(message.id)}
            >
              <X size={14} aria-hidden="true" />
            </button>
          </div>
        ))}
      </section>
    </ToastContext.Provider>
  );
}

export function useToast(): ToastApi {
  const api = useContext(ToastContext);
  if (!api) throw new Error('useToast outside <ToastProvider>');
  return api;
}
