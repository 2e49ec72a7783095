// Concurrency primitives for the registry: a counting semaphore (global limit on BMC commands in
// flight) and a per-key FIFO (one command at a time per BMC: BMCs handle few sessions, and two
// interleaved commands such as "bootdev pxe" and "power cycle" must keep their order).

export class Semaphore {
  private running = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly max: number) {
    if (!(max >= 1)) throw new RangeError('Semaphore needs max >= 1');
  }

  get active(): number {
    return this.running;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves with a release function once a slot is free; FIFO among waiters. */
  acquire(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = () => {
        this.running++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.running--;
          this.waiters.shift()?.();
        });
      };
      if (this.running < this.max) grant();
      else this.waiters.push(grant);
    });
  }
}

/** Runs tasks one at a time per key, in submission order; different keys run independently. */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly depth = new Map<string, number>();

  /** Tasks submitted and not finished, per key (the running one included). */
  pending(key: string): number {
    return this.depth.get(key) ?? 0;
  }

  get busyKeys(): number {
    return this.tails.size;
  }

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    this.depth.set(key, this.pending(key) + 1);
    const result = prev.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      const left = this.pending(key) - 1;
      if (left === 0) {
        this.depth.delete(key);
        this.tails.delete(key);
      } else this.depth.set(key, left);
    });
    return result;
  }
}
