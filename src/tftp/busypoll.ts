// Adaptive busy-polling for lock-step transfers (RFC 1350: the next DATA waits for the ACK of
// the last one, so a block costs a full round trip). Sleeping in the event loop's poll after each
// DATA puts a thread wake-up on every round trip; when the client answers within microseconds
// (a firmware on the same switch, a bench on loopback), keeping the loop polling (setImmediate:
// the loop polls its sockets without blocking) until the ACK is in removes that wake-up.
// Measured on a 2-core VM, 32 MiB lock-step at blksize 1468 over loopback: -9 % wall time per
// transfer for about +70 % server CPU (docs/benchmarks.md). So it is bounded three ways:
//   - at most `budgetUs` after each DATA;
//   - only while the client's recent ACK turnaround (smoothed like RFC 6298's SRTT, gain 1/8) is
//     within the budget: a slow client (real network, slow ROM) gets no polling at all;
//   - the server asks for it only with few transfers running (server.ts): with many, the loop
//     is busy with their packets anyway and the CPU is better left to others.
// No protocol behaviour depends on it; budgetUs 0 turns it off.

export class BusyPoll {
  private until = 0;
  private spinning = false;
  private sentAt = 0;
  /** Smoothed DATA -> ACK turnaround in µs; 0 until measured (optimistic: try polling first). */
  private srttUs = 0;
  spins = 0; // loop iterations spent polling, for tests and stats

  constructor(private readonly budgetUs: number, private readonly nowUs: () => number = () => performance.now() * 1000) {}

  get turnaroundUs(): number {
    return this.srttUs;
  }

  /** A DATA packet went out and its ACK is awaited; poll for it if it usually comes quickly. */
  sent(): void {
    if (this.budgetUs <= 0) return;
    const now = this.nowUs();
    this.sentAt = now;
    if (this.srttUs > this.budgetUs) return;
    this.until = now + this.budgetUs;
    if (!this.spinning) {
      this.spinning = true;
      setImmediate(this.spin);
    }
  }

  /** An ACK arrived: its turnaround feeds the estimate. */
  acked(): void {
    if (this.sentAt === 0) return;
    const rtt = this.nowUs() - this.sentAt;
    this.sentAt = 0;
    this.srttUs = this.srttUs === 0 ? rtt : this.srttUs + (rtt - this.srttUs) / 8;
  }

  /** Stops polling at once (server closing). */
  stop(): void {
    this.until = 0;
  }

  private readonly spin = (): void => {
    if (this.nowUs() < this.until) {
      this.spins++;
      setImmediate(this.spin);
    } else this.spinning = false;
  };
}
