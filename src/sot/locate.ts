// Turns (file, document index, path) into line:col using the position-keeping `yaml` parser.
// Only files with problems pay for this second parse.
import { LineCounter, parseAllDocuments, isMap, isSeq, isPair, isScalar, type Node as YNode } from 'yaml';
import type { Path } from './shape.js';

export interface Locator {
  locate(text: string, docIndex: number, path: Path, at: 'key' | 'value'): { line: number; col: number } | undefined;
}

interface ParsedText {
  docs: ReturnType<typeof parseAllDocuments>;
  lc: LineCounter;
}

export function createLocator(): Locator {
  const cache = new Map<string, ParsedText>();
  return {
    locate(text, docIndex, path, at) {
      let parsed = cache.get(text);
      if (!parsed) {
        const lc = new LineCounter();
        const docs = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: false });
        parsed = { docs, lc };
        cache.set(text, parsed);
      }
      const docs = Array.isArray(parsed.docs) ? parsed.docs : [];
      const doc = docs[docIndex];
      if (!doc) return undefined;
      const offset = findOffset(doc.contents as YNode | null, path, at);
      if (offset === undefined) return undefined;
      const pos = parsed.lc.linePos(offset);
      return { line: pos.line, col: pos.col };
    },
  };
}

/** Walks the YAML node tree along `path`; falls back to the deepest node found. */
function findOffset(root: YNode | null, path: Path, at: 'key' | 'value'): number | undefined {
  let node: unknown = root;
  let best = rangeStart(root);
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return best;
      if (last && at === 'key') return rangeStart(pair.key as YNode) ?? best;
      best = rangeStart(pair.value as YNode) ?? rangeStart(pair.key as YNode) ?? best;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) return best;
      best = rangeStart(item as YNode) ?? best;
      node = item;
    } else {
      return best;
    }
  }
  return best;
}

function rangeStart(n: unknown): number | undefined {
  const r = (n as { range?: [number, number, number] } | null)?.range;
  return r ? r[0] : undefined;
}
