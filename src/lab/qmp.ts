// A minimal QEMU Machine Protocol client (QMP, docs/interop/qmp-spec in QEMU): one JSON object
// per line over a unix socket; the server greets, the client must send qmp_capabilities before
// any command, replies carry "return" or "error", and asynchronous "event" lines interleave.
import { connect, type Socket } from 'node:net';

export interface QmpReply {
  return?: unknown;
  error?: { class: string; desc: string };
}

export class QmpError extends Error {}

export class Qmp {
  private buf = '';
  private waiting: ((r: QmpReply) => void)[] = [];
  private constructor(private readonly sock: Socket) {}

  /** Connects and negotiates capabilities; rejects after `timeoutMs`. */
  static async open(path: string, timeoutMs = 5000): Promise<Qmp> {
    const sock = connect(path);
    const q = new Qmp(sock);
    const timer = setTimeout(() => sock.destroy(new QmpError(`QMP ${path}: no greeting within ${timeoutMs} ms`)), timeoutMs);
    try {
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        let greeted = false;
        sock.on('data', (d) => {
          q.buf += d.toString('utf8');
          let nl: number;
          while ((nl = q.buf.indexOf('\n')) >= 0) {
            const line = q.buf.slice(0, nl).trim();
            q.buf = q.buf.slice(nl + 1);
            if (!line) continue;
            let msg: Record<string, unknown>;
            try {
              msg = JSON.parse(line) as Record<string, unknown>;
            } catch {
              continue;
            }
            if (!greeted && 'QMP' in msg) {
              greeted = true;
              resolve();
              continue;
            }
            if ('event' in msg) continue;
            q.waiting.shift()?.(msg as QmpReply);
          }
        });
      });
      await q.command('qmp_capabilities');
      return q;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends one command; replies arrive in order, so a FIFO of waiters matches them. */
  command(execute: string, args?: Record<string, unknown>, timeoutMs = 5000): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new QmpError(`QMP ${execute}: no reply within ${timeoutMs} ms`)), timeoutMs);
      this.waiting.push((r) => {
        clearTimeout(timer);
        if (r.error) reject(new QmpError(`QMP ${execute}: ${r.error.class}: ${r.error.desc}`));
        else resolve(r.return);
      });
      this.sock.write(`${JSON.stringify(args ? { execute, arguments: args } : { execute })}\n`, (err) => {
        if (err) reject(err);
      });
    });
  }

  close(): void {
    this.sock.destroy();
  }
}
