// bench/sot.ts: load and validate a generated SoT of 10,000 hosts (target: under 1 s), side by
// side with the straightforward baseline (parsing every file with the position-keeping `yaml`
// parser, as a validator that wants line numbers would), and print the ratio.
//   node --import tsx bench/sot.ts [--hosts 10000] [--runs 5]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LineCounter, parseAllDocuments } from 'yaml';
import { loadSot } from '../src/sot/load.js';
import { readSotDir } from '../src/sot/read.js';
import { checkRenders } from '../src/sot/templates.js';
import { generateSot } from './sot-gen.js';

const { values } = parseArgs({ options: { hosts: { type: 'string', default: '10000' }, runs: { type: 'string', default: '5' } } });
const HOSTS = Number(values.hosts);
const RUNS = Number(values.runs);

async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const root = mkdtempSync(join(tmpdir(), 'corral-bench-sot-'));
try {
  generateSot(root, HOSTS);
  const corral: number[] = [];
  const baseline: number[] = [];
  const renders: number[] = [];
  let hostsLoaded = 0;
  for (let r = 0; r < RUNS; r++) {
    corral.push(
      await time(async () => {
        const res = await loadSot(root);
        if (!res.ok) throw new Error(`generated SoT invalid: ${res.problems[0]?.message}`);
        hostsLoaded = res.sot.hosts.length;
      }),
    );
    baseline.push(
      await time(async () => {
        const read = await readSotDir(root);
        for (const f of read.files) parseAllDocuments(readFileSync(join(root, f.rel), 'utf8'), { lineCounter: new LineCounter() });
      }),
    );
  }
  const { sot } = await loadSot(root);
  for (let r = 0; r < Math.min(RUNS, 3); r++) renders.push(await time(() => checkRenders(sot, { base: 'http://10.0.0.2:8080' })));
  const c = median(corral);
  const b = median(baseline);
  console.log(`SoT: ${hostsLoaded} hosts, ${RUNS} runs (median)`);
  console.log(`corral load+validate        ${c.toFixed(0)} ms   (target < 1000 ms: ${c < 1000 ? 'met' : 'NOT met'})`);
  console.log(`baseline yaml parse only    ${b.toFixed(0)} ms   (position-keeping parser, no validation)`);
  console.log(`ratio baseline/corral       ${(b / c).toFixed(2)}x`);
  console.log(`render every host (ipxe+ks) ${median(renders).toFixed(0)} ms   (corral validate's render check)`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
