// What a server task's end does to the holds (pure): a completed TERMINATE releases the
// machine (it was wiped: seed 002 has no DELETE, TERMINATE is the end of a server); a completed
// MOVE makes the target the server's machine and sends the old one to be wiped; a MOVE that did
// not complete gives its target back (wiped too: it may hold a half-installed system).
import type { Allocation, Task } from '../model/index.js';

export interface FollowUp {
  del: string[];
  put: Allocation[];
  /** Hosts to wipe once the holds changed. */
  reclaim: string[];
}

/** Allocation ids of servers are "<server>:<host>" (holds.ts: "<holder>:<host>"). */
export const serverHoldId = (serverId: string, hostId: string) => `${serverId}:${hostId}`;

export function followUp(ended: Task, allocations: readonly Allocation[]): FollowUp {
  const mine = allocations.filter((a) => a.kind === 'server' && a.serverId === ended.subject);
  const out: FollowUp = { del: [], put: [], reclaim: [] };
  if (ended.action === 'TERMINATE' && ended.state === 'COMPLETED') out.del = mine.map((a) => a.id);
  if (ended.action === 'MOVE' && ended.hostId) {
    const target = mine.find((a) => a.hostId === ended.hostId && a.pending === 'move');
    if (!target) return out;
    if (ended.state === 'COMPLETED') {
      const { pending: _p, ...taken } = target;
      out.put.push(taken);
      for (const a of mine) if (a.id !== target.id) out.del.push(a.id);
      if (ended.fromHostId) out.reclaim.push(ended.fromHostId);
    } else {
      out.del.push(target.id);
      out.reclaim.push(target.hostId);
    }
  }
  return out;
}
