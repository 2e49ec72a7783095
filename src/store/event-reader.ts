// Reads events back from the journal by the byte positions kept in the EventIndex. Lines close
// to each other are fetched with one read, so listing a host's history or a page of recent events
// costs a few reads, not one per event.

import { ApplianceError } from '../model/errors.js';
import type { HostEvent } from '../model/index.js';
import type { EventRef } from './event-index.js';
import type { TxRecord } from './journal.js';

/** Where lines are read from: a journal segment (the open Journal, or a closed segment's file). */
export interface LineSource {
  read(offset: number, length: number): Promise<Buffer>;
}

/** Where an event lives: the transaction line holding it and its position in that line's `ev`. */
export interface JournalEventRef extends EventRef {
  offset: number;
  length: number;
  index: number;
}

/** Two lines at most this far apart are read together (the gap is read and thrown away). */
const MAX_GAP = 64 << 10;
const MAX_READ = 4 << 20;

interface Range {
  start: number;
  end: number;
  refs: JournalEventRef[];
}

/** The events of `refs` (which are in seq order, hence in file order), in the same order. */
export async function readEvents(journal: LineSource, refs: JournalEventRef[]): Promise<HostEvent[]> {
  const out: HostEvent[] = [];
  for (const range of coalesce(refs)) {
    const buf = await journal.read(range.start, range.end - range.start);
    let lineOffset = -1;
    let rec: TxRecord | undefined;
    for (const ref of range.refs) {
      if (ref.offset !== lineOffset) {
        const from = ref.offset - range.start;
        rec = JSON.parse(buf.toString('utf8', from, from + ref.length)) as TxRecord;
        lineOffset = ref.offset;
      }
      const event = rec?.ev[ref.index];
      if (!event || event.seq !== ref.seq) {
        throw new ApplianceError('STORE_FAILED', `journal event ${ref.seq} is not where the index says`, { offset: ref.offset });
      }
      out.push(event);
    }
  }
  return out;
}

function coalesce(refs: JournalEventRef[]): Range[] {
  const ranges: Range[] = [];
  let current: Range | undefined;
  for (const ref of refs) {
    const end = ref.offset + ref.length;
    if (current && ref.offset <= current.end + MAX_GAP && end - current.start <= MAX_READ) {
      current.end = Math.max(current.end, end);
      current.refs.push(ref);
    } else {
      current = { start: ref.offset, end, refs: [ref] };
      ranges.push(current);
    }
  }
  return ranges;
}
