// Spreading transfers over several servers (threads) that share one request port. Node's dgram has
// no SO_REUSEPORT, so one server receives every request on port 69 and picks, per new client, the
// server that will answer; that one opens the transfer's own socket (its TID, RFC 1350 §4), so the
// client's ACKs go straight to its thread and the lock-step round trips of different clients run
// on different cores. Requests are rare next to ACKs (one per file against one ACK per block), so
// the extra hop per request costs nothing measurable.
// A client is known by its address and port (its TID): while a request from it is being served
// somewhere, its later requests go to the same server, which alone can tell a retransmitted RRQ
// (RFC 1350: sent again when the first reply is late) from a new one.

export class TftpDispatcher {
  private readonly load: number[];
  private readonly up: boolean[];
  private readonly owner = new Map<string, number>();
  private next = 0;

  /** `servers` servers, numbered 0..servers-1; at most `maxTransfers` clients at once in all. */
  constructor(servers: number, private readonly maxTransfers = Infinity) {
    this.load = new Array<number>(Math.max(1, servers)).fill(0);
    this.up = new Array<boolean>(this.load.length).fill(true);
  }

  /** Clients being served, in all servers. */
  get active(): number {
    return this.owner.size;
  }

  /** Clients being served by server `i`. */
  loadOf(i: number): number {
    return this.load[i] ?? 0;
  }

  /**
   * The server for a request from `key` (address:port): the one already serving that client,
   * else the least busy of those up (ties in turn, round robin); -1 when maxTransfers are
   * running or no server is up.
   */
  route(key: string): number {
    const known = this.owner.get(key);
    if (known !== undefined) return known;
    if (this.owner.size >= this.maxTransfers) return -1;
    const n = this.load.length;
    let best = -1;
    for (let k = 0; k < n; k++) {
      const i = (this.next + k) % n;
      if (this.up[i] && (best < 0 || this.load[i]! < this.load[best]!)) best = i;
    }
    if (best < 0) return -1;
    this.next = (best + 1) % n;
    this.owner.set(key, best);
    this.load[best]!++;
    return best;
  }

  /** Server `i` ended a request from `key`; `open`: it serves a newer one from the same client. */
  ended(i: number, key: string, open: boolean): void {
    if (open || this.owner.get(key) !== i) return;
    this.owner.delete(key);
    this.load[i]!--;
  }

  /** Server `i` stopped (its transfers with it) or came back: it gets no requests while down. */
  setUp(i: number, up: boolean): void {
    if (i < 0 || i >= this.load.length) return;
    this.up[i] = up;
    if (up) return;
    for (const [key, owner] of this.owner) if (owner === i) this.owner.delete(key);
    this.load[i] = 0;
  }
}
