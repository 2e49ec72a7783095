// Waiting in tests without fixed sleeps: wait for a condition with a deadline (a bounded poll),
// or bound an awaited event. A timeout is a failure that says what never happened, not a pause
// that hopes the thing is done by then.

export interface WaitOptions {
  /** Give up after this long (default 5 s): generous, since reaching it means a failure. */
  timeoutMs?: number;
  /** What is awaited, for the failure message. */
  what?: string;
  /** Pause between checks (default 10 ms). */
  intervalMs?: number;
}

/**
 * Resolves with the first truthy result of `fn`, checked at once and then every `intervalMs`;
 * rejects naming `what` (and the last error `fn` threw, if any) once `timeoutMs` has passed.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, o: WaitOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = o.timeoutMs ?? 5000;
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    if (performance.now() >= deadline) {
      const why = lastError === undefined ? '' : ` (last check threw: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${o.what ?? 'a condition'}${why}`);
    }
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 10));
  }
}

/** `p`, or a rejection naming `what` if it has not settled within `timeoutMs`; no timer is left behind. */
export function within<T>(p: Promise<T>, o: { timeoutMs: number; what: string }): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${o.timeoutMs} ms waiting for ${o.what}`)), o.timeoutMs);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
