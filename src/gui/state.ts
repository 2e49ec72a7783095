// Tiny observable stores (no framework state library): the connection/user state, the host
// list, the recent events. Components read them with useStore().
import { useEffect, useState } from 'preact/hooks';

export interface Store<T> {
  get(): T;
  set(patch: Partial<T>): void;
  subscribe(fn: (v: T) => void): () => void;
}

export function createStore<T extends object>(initial: T): Store<T> {
  let value = initial;
  const subs = new Set<(v: T) => void>();
  return {
    get: () => value,
    set(patch) {
      const next = { ...value, ...patch };
      if (Object.keys(patch).every((k) => (value as any)[k] === (patch as any)[k])) return;
      value = next;
      for (const s of subs) s(value);
    },
    subscribe(fn) {
      subs.add(fn);
      return () => subs.delete(fn);
    },
  };
}

export function useStore<T>(store: Store<T>): T {
  const [v, setV] = useState(store.get());
  useEffect(() => {
    setV(store.get());
    return store.subscribe(setV);
  }, [store]);
  return v;
}

export interface ConnState {
  /** The last request or the event stream could not reach the appliance. */
  apiDown: boolean;
  /** The event stream: connecting, live, or down (reconnecting). */
  stream: 'connecting' | 'live' | 'down';
  /** Journal position of the last event received (the stream resumes from it). */
  lastSeq: number | undefined;
  user: { user: string; role: string } | undefined;
}

export const conn = createStore<ConnState>({ apiDown: false, stream: 'connecting', lastSeq: undefined, user: undefined });

/** Re-renders every `ms` (elapsed times). */
export function useTick(ms = 1000): number {
  const [n, setN] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setN((x) => x + 1), ms);
    return () => clearInterval(t);
  }, [ms]);
  return n;
}
