// Bounded polling: waits for a condition that has no event to await (a VM's console, another
// process's API), checking every `everyMs` until `ms` have passed, then fails naming what it
// waited for and the last error seen.

export async function pollUntil<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms: number, everyMs = 500): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${Math.round(ms / 1000)} s waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
