// Helpers for the .deb tests: bounded command runs and the `corral serve` of an installed package.
import { spawnSync } from 'node:child_process';
import { startServeCommand, stop } from '../integration/serve-process.js';

export const ROOT = new URL('../..', import.meta.url).pathname;

export function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** Runs a command to completion within `timeoutMs`; its output and exit code (null: killed). */
export function run(cmd: string, args: string[], timeoutMs = 60_000) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout ?? '', err: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

export function mustRun(cmd: string, args: string[], timeoutMs = 60_000): string {
  const r = run(cmd, args, timeoutMs);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}:\n${r.err}${r.out}`);
  return r.out;
}

/** One entry of `dpkg -c`: mode, owner and path (leading "./" removed). */
export interface DebEntry {
  mode: string;
  owner: string;
  path: string;
}

export function parseContents(listing: string): DebEntry[] {
  return listing
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [mode, owner, , , , ...rest] = line.split(/\s+/);
      return { mode: mode!, owner: owner!, path: rest.join(' ').replace(/^\.\//, '/').replace(/ -> .*$/, '') };
    });
}

/** `argv` (an installed corral serve) started; its API base once it says it listens, within 30 s. */
export async function startInstalled(argv: string[]): Promise<{ base: string; stop: () => Promise<void>; log: () => string }> {
  const served = await startServeCommand(argv[0]!, argv.slice(1), { cwd: '/', what: 'the installed corral serve' });
  return { base: served.base, stop: async () => void (await stop(served)), log: served.log };
}
