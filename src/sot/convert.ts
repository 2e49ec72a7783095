// `corral sot convert`: a SoT of any released Vaquero format -> the same SoT in the current
// format, as files. The edits are the loader's (vaquero-formats.ts), applied to the YAML
// documents themselves so that comments, key order and quoting survive; only files that change
// are re-serialised, every other file is copied byte for byte. Vaquero 1.0/1.1's layout is
// rewritten as a whole: host_groups/<x>.yml becomes boot/<x>.yml plus workflows/<x>.yml,
// inventory documents become one host document per host, templates use today's names.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { Document, LineCounter, isMap, isScalar, parseAllDocuments, YAMLSeq, type Node as YNode } from 'yaml';
import type { Problem } from '../model/index.js';
import type { Path } from './shape.js';
import { isMapping } from './shape.js';
import { createLocator } from './locate.js';
import { isClusterDoc } from './build-host.js';
import { rewriteLegacyTemplate } from './legacy-templates.js';
import { isLegacyLayout, unmappedMessage, unmappedProblem } from './upgrade.js';
import {
  hostGroupWorkflow,
  inventoryHosts,
  isInventoryDoc,
  planBoot,
  planClusterDoc,
  planEnv,
  planHost,
  planOs,
  planWorkflow,
  type Edit,
  type Note,
  type Plan,
} from './vaquero-formats.js';

export interface ConvertedFile {
  rel: string;
  text: string;
  /** False for a file copied as it was. */
  changed: boolean;
  /** The source file it comes from. */
  from: string;
}

export interface ConvertResult {
  files: ConvertedFile[];
  /** What does not carry over or is not acted on, at the source file's lines. */
  notes: Problem[];
  /** Problems that stop the conversion (YAML syntax, two sources for one output file). */
  errors: Problem[];
  legacy: boolean;
}

type Kind = 'env' | 'cluster-file' | 'os' | 'boot' | 'workflow' | 'host-group' | 'other-yaml';
const KIND_BY_DIR: Record<string, Kind> = { os: 'os', boot: 'boot', workflows: 'workflow', host_groups: 'host-group', roles: 'other-yaml', pools: 'other-yaml' };
const YAML_EXT = /\.ya?ml$/i;
// Strings keep their length whatever it is (no folding of long keys or URLs).
const TO_STRING = { lineWidth: 0, flowCollectionPadding: false } as const;

interface Source {
  rel: string;
  text: string;
  kind?: Kind;
  docs?: Document.Parsed[];
}

export async function convertSot(root: string): Promise<ConvertResult> {
  const sources: Source[] = [];
  const errors: Problem[] = [];
  for (const abs of (await walk(root)).sort()) {
    const rel = relative(root, abs).split(sep).join('/');
    sources.push({ rel, text: await readFile(abs, 'utf8'), ...classify(rel) });
  }
  for (const s of sources) {
    if (!s.kind) continue;
    const lc = new LineCounter();
    s.docs = parseAllDocuments(s.text, { lineCounter: lc, uniqueKeys: false }) as Document.Parsed[];
    for (const d of s.docs) {
      for (const e of d.errors) errors.push({ file: s.rel, ...lc.linePos(e.pos[0]), severity: 'error', message: `YAML syntax: ${e.message.split('\n')[0]}` });
    }
  }
  if (errors.length) return { files: [], notes: [], errors, legacy: false };
  const values = sources.flatMap((s) => (s.docs ?? []).map((d) => ({ kind: s.kind!, value: d.toJS() as unknown })));
  const legacy = isLegacyLayout(values);
  const out: ConvertedFile[] = [];
  const notes: Problem[] = [];
  const locator = createLocator();
  const noteAt = (s: Source, index: number, n: Note) => {
    const pos = locator.locate(s.text, index, n.path, n.at) ?? { line: 1, col: 1 };
    notes.push({ file: s.rel, ...pos, severity: n.severity ?? 'warning', message: n.message + (n.dropped ? ' (not written to the converted SoT)' : '') });
  };
  for (const s of sources) {
    if (!s.kind || !s.docs) {
      const isAsset = s.rel.startsWith('assets/') && s.rel.split('/').length >= 3;
      if (isAsset && legacy) {
        const rw = rewriteLegacyTemplate(s.text);
        for (const u of rw.unmapped) notes.push(unmappedProblem(s.rel, rw.text, u));
        out.push({ rel: s.rel, text: rw.text, changed: rw.text !== s.text, from: s.rel });
      } else {
        out.push({ rel: s.rel, text: s.text, changed: false, from: s.rel });
      }
      continue;
    }
    const docsOut: Document[] = [];
    const workflows: Document[] = [];
    let changed = false;
    s.docs.forEach((doc, index) => {
      const v = doc.toJS() as unknown;
      if (!isMapping(v)) {
        docsOut.push(doc);
        return;
      }
      const apply = (p: Plan) => {
        for (const n of p.notes) noteAt(s, index, n);
        if (p.edits.length) {
          applyToDocument(doc, p.edits);
          changed = true;
        }
        docsOut.push(doc);
      };
      switch (s.kind) {
        case 'env':
          return apply(planEnv(v));
        case 'workflow':
          return apply(planWorkflow(v));
        case 'boot':
          return apply(planBoot(v, false));
        case 'os': {
          const p = planOs(v, legacy);
          for (const u of p.unmapped) {
            for (const n of u.names) noteAt(s, index, { path: u.path, at: 'value', message: unmappedMessage(n.name), dropped: false });
          }
          return apply(p);
        }
        case 'host-group': {
          apply(planBoot(v, true));
          const wf = hostGroupWorkflow(v);
          if (wf) workflows.push(new Document(wf));
          changed = true;
          return;
        }
        case 'cluster-file': {
          if (!isInventoryDoc(v)) return apply(isClusterDoc(v) ? planClusterDoc(v) : planHost(v));
          const { hosts, notes: ns } = inventoryHosts(v);
          for (const n of ns) noteAt(s, index, n);
          for (const h of hosts) docsOut.push(new Document(h.value));
          changed = true;
          return;
        }
        default:
          docsOut.push(doc);
      }
    });
    if (s.kind === 'host-group') {
      const name = s.rel.slice('host_groups/'.length);
      out.push({ rel: `boot/${name}`, text: joinDocs(docsOut), changed: true, from: s.rel });
      if (workflows.length) out.push({ rel: `workflows/${name}`, text: joinDocs(workflows), changed: true, from: s.rel });
    } else {
      out.push({ rel: s.rel, text: changed ? joinDocs(docsOut) : s.text, changed, from: s.rel });
    }
  }
  const byRel = new Map<string, ConvertedFile>();
  for (const f of out) {
    const prev = byRel.get(f.rel);
    if (prev) errors.push({ file: f.from, line: 1, col: 1, severity: 'error', message: `converts to ${f.rel}, which ${prev.from} converts to as well` });
    else byRel.set(f.rel, f);
  }
  return { files: errors.length ? [] : out, notes, errors, legacy };
}

function classify(rel: string): { kind?: Kind } {
  const parts = rel.split('/');
  if (!YAML_EXT.test(rel)) return {};
  if (parts[0] === 'sites' && parts.length === 3) return { kind: /^env\.ya?ml$/i.test(parts[2]!) ? 'env' : 'cluster-file' };
  if (parts.length === 2 && KIND_BY_DIR[parts[0]!]) return { kind: KIND_BY_DIR[parts[0]!]! };
  return {};
}

function joinDocs(docs: Document[]): string {
  return docs
    .map((d, i) => {
      const text = d.toString(TO_STRING);
      return i > 0 && !text.startsWith('---') ? `---\n${text}` : text;
    })
    .join('');
}

/** The edits applied to a YAML document in place (what they do not touch keeps its comments). */
export function applyToDocument(doc: Document, edits: Edit[]): void {
  for (const e of edits) {
    if (e.op === 'delete') doc.deleteIn(e.path);
    else if (e.op === 'set') {
      const node = doc.getIn(e.path, true);
      if (isScalar(node) && (typeof e.value === 'string' || typeof e.value === 'number')) node.value = e.value;
      else doc.setIn(e.path, doc.createNode(e.value));
    } else if (!renameInPlace(doc, e.from, e.to)) {
      const node = doc.getIn(e.from, true) as YNode | undefined;
      doc.deleteIn(e.from);
      doc.setIn(e.to, node);
    }
  }
}

/**
 * A move to a sibling key (`a` -> `b`), or into a new one-item list under a sibling key
 * (`agent` -> `agents[0]`), done where the key is written so the document keeps its order.
 */
function renameInPlace(doc: Document, from: Path, to: Path): boolean {
  const parentPath = from.slice(0, -1);
  const wrap = to.length === from.length + 1 && to[to.length - 1] === 0;
  if (to.length !== from.length && !wrap) return false;
  if (!parentPath.every((k, i) => to[i] === k)) return false;
  const parent = parentPath.length ? doc.getIn(parentPath, true) : doc.contents;
  const newKey = to[parentPath.length];
  if (!isMap(parent) || typeof newKey !== 'string' || parent.has(newKey)) return false;
  const pair = parent.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === from[from.length - 1]);
  if (!pair) return false;
  if (isScalar(pair.key)) pair.key.value = newKey;
  else pair.key = doc.createNode(newKey);
  if (wrap) {
    const seq = new YAMLSeq(doc.schema);
    seq.items.push(pair.value);
    pair.value = seq;
  }
  return true;
}

async function walk(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) files.push(...(await walk(p)));
    else if (e.isFile()) files.push(p);
  }
  return files;
}
