import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';

// One clock for the whole page, so every relative time ("Last used 3 minutes ago") moves together while
// the page stays open. Phrases change at most once a minute, so a 15-second tick is never more than a
// quarter of a minute behind; coming back to a hidden tab updates at once.
const TICK_MS = 15_000;
const NowContext = createContext<Date | null>(null);

export function NowProvider({ children }: { children: ReactNode }) {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const tick = () => setNow(new Date());
    const timer = window.setInterval(tick, TICK_MS);
    const onVisible = () => {
      if (document.visibilityState === 'visible') tick();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, []);
  return <NowContext.Provider value={now}>{children}</NowContext.Provider>;
}

export function useNow(): Date {
  return useContext(NowContext) ?? new Date();
}
