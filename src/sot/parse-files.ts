// Parses many YAML files, using a second thread for about half of them when the SoT is large
// (the target is a 10,000-host SoT validated in under a second; YAML parsing is most of it).
import { startWorker } from '../lib/start-worker.js';
import { parseYaml, type ParseOutcome } from './parse-yaml.js';

const PARALLEL_MIN_BYTES = 1 << 20;

export async function parseFiles(files: { rel: string; text: string }[]): Promise<ParseOutcome[]> {
  const total = files.reduce((n, f) => n + f.text.length, 0);
  if (total < PARALLEL_MIN_BYTES || files.length < 2) return files.map((f) => parseYaml(f.text, f.rel));
  // Largest first, alternating between the threads, keeps the halves even.
  const order = files.map((_, i) => i).sort((a, b) => files[b]!.text.length - files[a]!.text.length);
  const mine: number[] = [];
  const theirs: number[] = [];
  let mineBytes = 0;
  let theirBytes = 0;
  for (const i of order) {
    if (mineBytes <= theirBytes) {
      mine.push(i);
      mineBytes += files[i]!.text.length;
    } else {
      theirs.push(i);
      theirBytes += files[i]!.text.length;
    }
  }
  const pending = inWorker(theirs.map((i) => files[i]!));
  const out: ParseOutcome[] = new Array(files.length);
  for (const i of mine) out[i] = parseYaml(files[i]!.text, files[i]!.rel);
  let remote: ParseOutcome[];
  try {
    remote = await pending;
  } catch {
    remote = theirs.map((i) => parseYaml(files[i]!.text, files[i]!.rel)); // no worker: do it here
  }
  theirs.forEach((i, k) => (out[i] = remote[k]!));
  return out;
}

function inWorker(batch: { rel: string; text: string }[]): Promise<ParseOutcome[]> {
  return new Promise((resolve, reject) => {
    const w = startWorker(import.meta.url, 'parse-worker', { workerData: batch });
    w.once('message', (m: { json?: string; values?: ParseOutcome[] }) => {
      resolve(m.json !== undefined ? (JSON.parse(m.json) as ParseOutcome[]) : m.values!);
      void w.terminate();
    });
    w.once('error', reject);
    w.once('exit', (code) => code !== 0 && reject(new Error(`parse worker exited with ${code}`)));
  });
}
