// Items gathered during one event-loop turn and handed on together at its end (setImmediate):
// a burst of work (a hundred TFTP requests read in one poll) then costs one message or one write,
// not one per item.

export interface PerTurn<T> {
  push(item: T): void;
  /** Hands on what is queued now, without waiting for the end of the turn. */
  flush(): void;
  /** Drops what is queued (its destination is gone). */
  clear(): void;
}

export function perTurn<T>(handOn: (items: T[]) => void): PerTurn<T> {
  let queued: T[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (queued.length === 0) return;
    const items = queued;
    queued = [];
    handOn(items);
  };
  return {
    push(item) {
      queued.push(item);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
    clear: () => void (queued = []),
  };
}
