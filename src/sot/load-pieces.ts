// The messages between the SoT load worker and the main thread, and how a loaded SoT is cut into
// pieces (pure). A piece is a run of items of one array (hosts, problems, ...) of about
// `pieceBytes` of JSON: structured clone deserializes on the receiving thread, inside the message
// callback, so the size of a piece bounds how long the main thread is busy with it (~64 KB: a few
// ms). One item is never split: a single 50 MB host would be one long piece.
import type { Problem, Sot } from '../model/index.js';

export interface LoadRequest {
  root: string;
  lastGoodDir?: string;
  /** The revision being served: when the folder still has it, the Sot is not sent back. */
  skipRevision?: string;
  pieceBytes: number;
}

export type SotArrays = Omit<Sot, 'revision' | 'root'>;
export type ArrayKey = keyof SotArrays | 'problems';

export interface Piece {
  key: ArrayKey;
  items: unknown[];
}

export type FromWorker =
  | { kind: 'head'; revision: string; ok: boolean; sent: boolean; shell: Pick<Sot, 'revision' | 'root'>; pieces: number; saveError?: string }
  | { kind: 'piece'; piece: Piece }
  | { kind: 'failed'; message: string };

export const DEFAULT_PIECE_BYTES = 64 * 1024;

export function slicePieces(arrays: Partial<Record<ArrayKey, unknown[]>>, pieceBytes: number): Piece[] {
  const out: Piece[] = [];
  for (const [key, list] of Object.entries(arrays) as [ArrayKey, unknown[] | undefined][]) {
    if (!list) continue;
    let items: unknown[] = [];
    let bytes = 0;
    for (const item of list) {
      items.push(item);
      bytes += approxBytes(item);
      if (bytes >= pieceBytes) {
        out.push({ key, items });
        items = [];
        bytes = 0;
      }
    }
    if (items.length || list.length === 0) out.push({ key, items });
  }
  return out;
}

/** About the serialized size: JSON length, counted cheaply enough for the worker. */
function approxBytes(v: unknown): number {
  try {
    return JSON.stringify(v)?.length ?? 8;
  } catch {
    return 1024;
  }
}

/** Puts the pieces back together: the Sot (when it was sent) and the problems. */
export function assemble(shell: Pick<Sot, 'revision' | 'root'>, pieces: Piece[], sent: boolean): { sot: Sot | undefined; problems: Problem[] } {
  const arrays: Record<string, unknown[]> = { problems: [] };
  for (const p of pieces) {
    const into = (arrays[p.key] ??= []);
    for (const item of p.items) into.push(item);
  }
  const { problems, ...rest } = arrays;
  const sot = sent ? ({ ...shell, sites: [], clusters: [], hosts: [], oses: [], boots: [], workflows: [], assets: [], roles: [], pools: [], ...rest } as Sot) : undefined;
  return { sot, problems: problems as Problem[] };
}
