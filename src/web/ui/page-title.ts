import { useEffect } from 'react';

/** The browser tab names the page: "Access Tokens · Tessera". */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Tessera`;
  }, [title]);
}
