import { useEffect, useState } from 'react';

/** A three-route app needs no router library: the path is state, pushState changes it, popstate follows Back. */
const EVENT = 'realtone:navigate';

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === location.pathname) return;
  if (options.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event(EVENT));
}

export function usePath(): string {
  const [path, setPath] = useState(() => location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    window.addEventListener('popstate', update);
    window.addEventListener(EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(EVENT, update);
    };
  }, []);
  return path;
}

export type Route = { name: 'home' } | { name: 'job'; id: string } | { name: 'model' };

export function parseRoute(path: string): Route {
  const job = /^\/jobs\/([0-9a-f-]{36})\/?$/i.exec(path);
  if (job) return { name: 'job', id: job[1]!.toLowerCase() };
  if (path === '/model' || path === '/model/') return { name: 'model' };
  return { name: 'home' };
}
