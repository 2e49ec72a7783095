// Group commit: callers submit entries and get a promise that settles once their entry is on
// disk. One flush runs at a time; everything submitted while it runs waits and goes into the
// next flush together, so N concurrent transactions cost about one write + fsync, not N, and the
// batch size grows by itself with the load. The first flush of a quiet period starts on
// setImmediate so that all transactions started in the same turn of the event loop share it.
//
// After a failed flush nothing else is ever flushed: the entries of that flush and every entry
// waiting behind it are handed to `onFailure` (so the owner can undo them in memory) and rejected.
// Later submits are rejected at once.

export type FlushFn<E> = (batch: E[]) => Promise<void>;
export type FailureFn<E> = (err: Error, lost: E[]) => void;

interface Waiter<E> {
  entry: E;
  resolve(): void;
  reject(err: Error): void;
}

export class GroupCommit<E> {
  private queue: Waiter<E>[] = [];
  private running = false;
  private idleWaiters: Array<() => void> = [];
  private failure: Error | undefined;
  /** Flushes completed, and entries they carried (both for stats and tests). */
  flushes = 0;
  entries = 0;
  largestBatch = 0;

  constructor(
    private readonly flush: FlushFn<E>,
    private readonly onFailure: FailureFn<E>,
    /** Turns whatever the flush threw into the error every waiter receives. */
    private readonly wrapError: (err: unknown) => Error,
  ) {}

  /** The error that stopped the committer, if any. */
  get failed(): Error | undefined {
    return this.failure;
  }

  submit(entry: E): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.run());
      }
    });
  }

  /** Resolves once nothing is queued or being flushed. */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async run(): Promise<void> {
    while (this.queue.length > 0 && !this.failure) {
      const batch = this.queue;
      this.queue = [];
      try {
        await this.flush(batch.map((w) => w.entry));
      } catch (err) {
        this.fail(err, batch);
        break;
      }
      this.flushes++;
      this.entries += batch.length;
      this.largestBatch = Math.max(this.largestBatch, batch.length);
      for (const w of batch) w.resolve();
    }
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  private fail(err: unknown, batch: Waiter<E>[]): void {
    const lost = [...batch, ...this.queue];
    this.queue = [];
    const failure = this.wrapError(err);
    this.failure = failure;
    // Undo first, then reject: a caller reacting to the rejection already sees the undone state.
    try {
      this.onFailure(failure, lost.map((w) => w.entry));
    } finally {
      for (const w of lost) w.reject(failure);
    }
  }
}
