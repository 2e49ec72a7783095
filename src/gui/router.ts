// Hash routes (#/hosts/rack1-h07): the server serves one page, deep links survive a reload,
// and the token never travels in a URL.
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  path: string;
  query: URLSearchParams;
}

function current(): Route {
  const h = location.hash.replace(/^#/, '') || '/';
  const [path, q] = h.split('?', 2);
  return { path: path || '/', query: new URLSearchParams(q ?? '') };
}

export function useRoute(): Route {
  const [r, setR] = useState(current);
  useEffect(() => {
    const on = () => setR(current());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return r;
}

export const href = (path: string) => `#${path}`;
export const go = (path: string) => {
  location.hash = `#${path}`;
};
