/**
 * Runs `fn` one call at a time: a call made while a run is in flight joins it and makes exactly
 * one more run follow (so the state it asked about is seen), however many calls came meanwhile.
 */
export function coalesce<T>(fn: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        let out = await fn();
        while (again) {
          again = false;
          out = await fn();
        }
        return out;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
}
