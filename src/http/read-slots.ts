// At most READ_SLOTS asset reads at once in libuv's thread pool (4 threads unless
// UV_THREADPOOL_SIZE says otherwise). The same pool runs the store's writes and fsyncs, which a
// DHCP ACK waits for: 256 downloads each with a read queued would put every ACK behind them.
// Two slots keep the pool's other threads free, and two page-cache reads of 512 KiB at once
// already outrun what the event loop can write to sockets.
export const READ_SLOTS = 2;

let busy = 0;
const waiting: ((release: () => void) => void)[] = [];

function release(): void {
  const next = waiting.shift();
  if (next) next(release);
  else busy--;
}

/** Runs `job` once a slot is free; it calls `release` when its read is done. */
export function readSlot(job: (release: () => void) => void): void {
  if (busy < READ_SLOTS) {
    busy++;
    job(release);
  } else {
    waiting.push(job);
  }
}
