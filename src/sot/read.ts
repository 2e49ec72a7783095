// Reads a SoT folder into parsed YAML documents. js-yaml parses (fast: a 10,000-host SoT must
// validate in under a second); positions for messages are found later, only for documents that
// have problems (locate.ts), with the slower position-keeping `yaml` parser.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { createHash } from 'node:crypto';
import { parseFiles } from './parse-files.js';
import type { ParseOutcome } from './parse-yaml.js';
import type { Problem } from '../model/index.js';

/** The kinds of YAML file a SoT holds, by folder ('host-group': Vaquero 1.0/1.1's host_groups/). */
export type DocKind = 'env' | 'cluster-file' | 'os' | 'boot' | 'workflow' | 'role' | 'pool' | 'host-group';

export interface SourceFile {
  /** Path relative to the SoT root, with "/" separators. */
  rel: string;
  text: string;
}

export interface ParsedDoc {
  file: SourceFile;
  kind: DocKind;
  /** Index of the document within its file (empty documents count, as in both YAML parsers). */
  index: number;
  /** 1-based line where the document starts (after its "---" marker). */
  line: number;
  value: unknown;
  /** For files under sites/<site>/. */
  siteDir?: string;
  /**
   * For a document rewritten from an older Vaquero format (upgrade.ts): turns a path
   * in `value` into the path of the same thing in the file, so problems point at what was written.
   */
  mapPath?: (path: (string | number)[]) => (string | number)[];
}

export interface AssetFile {
  type: string;
  rel: string;
  name: string;
  text: string;
  snippet: boolean;
}

export interface ReadResult {
  docs: ParsedDoc[];
  assets: AssetFile[];
  siteDirs: string[];
  problems: Problem[];
  revision: string;
  files: SourceFile[];
}

const YAML_EXT = /\.ya?ml$/i;
const KIND_BY_DIR: Record<string, DocKind> = { os: 'os', boot: 'boot', workflows: 'workflow', roles: 'role', pools: 'pool', host_groups: 'host-group' };
const MAX_FILE_BYTES = 64 * 1024 * 1024;

export async function readSotDir(root: string): Promise<ReadResult> {
  const out: ReadResult = { docs: [], assets: [], siteDirs: [], problems: [], revision: '', files: [] };
  const st = await stat(root).catch(() => undefined);
  if (!st?.isDirectory()) {
    out.problems.push({ file: root, line: 1, col: 1, severity: 'error', message: `SoT folder ${root} does not exist or is not a folder` });
    return out;
  }
  const all = await walk(root);
  const hash = createHash('sha256');
  const pending: { file: SourceFile; kind: DocKind; siteDir: string | undefined }[] = [];
  for (const abs of all.sort()) {
    const rel = relative(root, abs).split(sep).join('/');
    const parts = rel.split('/');
    const top = parts[0]!;
    const size = (await stat(abs)).size;
    if (size > MAX_FILE_BYTES) {
      out.problems.push({ file: rel, line: 1, col: 1, severity: 'error', message: `file is larger than ${MAX_FILE_BYTES} bytes` });
      continue;
    }
    if (top === 'assets' && parts.length >= 3) {
      const text = await readFile(abs, 'utf8');
      hash.update(rel).update('\0').update(text).update('\0');
      const snippet = parts[2] === 'snippets';
      out.assets.push({ type: parts[1]!, rel, name: parts.slice(snippet ? 3 : 2).join('/'), text, snippet });
      continue;
    }
    let kind: DocKind | undefined;
    let siteDir: string | undefined;
    if (top === 'sites' && parts.length === 3 && YAML_EXT.test(parts[2]!)) {
      siteDir = parts[1]!;
      kind = /^env\.ya?ml$/i.test(parts[2]!) ? 'env' : 'cluster-file';
    } else if (parts.length === 2 && KIND_BY_DIR[top] && YAML_EXT.test(parts[1]!)) {
      kind = KIND_BY_DIR[top];
    }
    if (!kind) {
      if (YAML_EXT.test(rel)) out.problems.push({ file: rel, line: 1, col: 1, severity: 'warning', message: 'file ignored: not in a SoT folder (sites/<site>/, os/, boot/, workflows/, roles/, pools/)' });
      continue;
    }
    const text = await readFile(abs, 'utf8');
    hash.update(rel).update('\0').update(text).update('\0');
    const file = { rel, text };
    out.files.push(file);
    if (siteDir && !out.siteDirs.includes(siteDir)) out.siteDirs.push(siteDir);
    pending.push({ file, kind, siteDir });
  }
  const parsed = await parseFiles(pending.map((p) => p.file));
  pending.forEach((p, i) => addDocs(p.file, p.kind, p.siteDir, parsed[i]!, out));
  out.revision = hash.digest('hex').slice(0, 12);
  return out;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue; // .git, editor swap files
    const p = join(dir, e.name);
    if (e.isDirectory()) files.push(...(await walk(p)));
    else if (e.isFile()) files.push(p);
  }
  return files;
}

function addDocs(file: SourceFile, kind: DocKind, siteDir: string | undefined, parsed: ParseOutcome, out: ReadResult): void {
  if ('error' in parsed) {
    const { reason, line, col } = parsed.error;
    out.problems.push({ file: file.rel, line, col, severity: 'error', message: `YAML syntax: ${reason}` });
    return;
  }
  for (const d of parsed.duplicates ?? []) {
    out.problems.push({ file: file.rel, line: d.line, col: d.col, severity: 'warning', message: `key "${d.key}" is repeated in its mapping: the last value is used, as Vaquero's YAML reader used it` });
  }
  const starts = documentStartLines(file.text);
  parsed.values.forEach((value, index) => {
    if (value === null || value === undefined) return; // empty document
    const doc: ParsedDoc = { file, kind, index, line: starts[index] ?? 1, value };
    if (siteDir) doc.siteDir = siteDir;
    out.docs.push(doc);
  });
}

/**
 * 1-based first content line of each document: a file's first document starts at line 1 unless
 * it opens with "---"; every later "---" (at column 0) starts the next one. Only used to
 * point at a whole document (its SourceRef); exact positions come from locate.ts.
 */
export function documentStartLines(text: string): number[] {
  const starts: number[] = [];
  const lines = text.split('\n');
  let seenContent = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^---(\s|$)/.test(l)) {
      if (!seenContent && starts.length === 0) {
        starts.push(i + 2);
        seenContent = true;
        continue;
      }
      starts.push(i + 2);
      continue;
    }
    if (!seenContent && l.trim() !== '' && !l.trimStart().startsWith('#') && !l.startsWith('%')) {
      starts.push(i + 1);
      seenContent = true;
    }
  }
  return starts;
}

/** A cheap change detector for polling: paths, sizes and mtimes of every file. */
export async function fingerprint(root: string): Promise<string> {
  const files = await walk(root).catch(() => [] as string[]);
  const hash = createHash('sha1');
  for (const f of files.sort()) {
    const s = await stat(f).catch(() => undefined);
    if (s) hash.update(`${f}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return hash.digest('hex');
}
