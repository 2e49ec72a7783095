// corral sot convert <sot-dir> <out-dir>: writes a SoT of any released Vaquero format in the
// current format (src/sot/convert.ts), then loads what it wrote to show that it serves.
import { parseArgs } from 'node:util';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Problem } from './model/index.js';
import { convertSot } from './sot/convert.js';
import { loadSot } from './sot/load.js';
import { ClientUsageError } from './cli-client.js';

type Out = { out: (s: string) => void; err: (s: string) => void };

export async function cmdSot(args: string[], io: Out): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'convert') throw new ClientUsageError(sub ? `unknown sot command "${sub}"` : 'sot needs a command: convert');
  const { positionals } = parseArgs({ args: rest, options: {}, allowPositionals: true, strict: true });
  const [dir, outDir] = positionals;
  if (!dir || !outDir || positionals.length > 2) throw new ClientUsageError('sot convert takes <sot-dir> <out-dir>');
  // The output inside the source would be read as part of it by the next load or convert.
  if (`${resolve(outDir)}${sep}`.startsWith(`${resolve(dir)}${sep}`)) throw new ClientUsageError('sot convert writes outside the folder it reads');
  const existing = await readdir(outDir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? [] : Promise.reject(e)));
  if (existing.length) {
    io.err(`corral: ${outDir} is not empty: sot convert writes only into a new or empty folder\n`);
    return 1;
  }
  const res = await convertSot(dir);
  if (res.errors.length) {
    for (const p of res.errors) io.out(formatProblem(dir, p));
    io.err(`not converted: ${res.errors.length} errors\n`);
    return 1;
  }
  for (const f of res.files) {
    const p = join(outDir, f.rel);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, f.text);
  }
  for (const p of res.notes) io.err(formatProblem(dir, p));
  const changed = res.files.filter((f) => f.changed).length;
  // What was written must serve: load it as `corral serve` would.
  const loaded = await loadSot(outDir);
  const errors = loaded.problems.filter((p) => p.severity === 'error');
  for (const p of errors) io.out(formatProblem(outDir, p));
  const s = loaded.sot;
  io.err(
    `converted ${dir} to ${outDir}${res.legacy ? ' (from the Vaquero 1.0/1.1 layout)' : ''}: ${res.files.length} files, ${changed} rewritten, ${res.notes.length} notes; ` +
      `${outDir} ${errors.length ? 'does not load' : 'loads'}: ${s.sites.length} sites, ${s.hosts.length} hosts, ${s.workflows.length} workflows; ` +
      `${errors.length} errors, ${loaded.problems.length - errors.length} warnings (see corral validate ${outDir})\n`,
  );
  return errors.length ? 1 : 0;
}

/** file:line:col: message, as compilers print it, then the line it points at (when known). */
export function formatProblem(root: string, p: Problem): string {
  const file = p.file.startsWith('/') ? p.file : join(root, p.file);
  return `${file}:${p.line}:${p.col}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message}\n${p.excerpt !== undefined ? `    | ${p.excerpt}\n` : ''}`;
}
