// `corral serve` as a child process for integration tests: started on an ephemeral loopback
// port, its stderr kept for assertions, stopped with SIGTERM (SIGKILL after 10 s).
import { spawn, type ChildProcess } from 'node:child_process';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface Served {
  proc: ChildProcess;
  base: string;
  log: () => string;
}

export async function startServe(sot: string, data: string, extra: string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<Served> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/bin.ts', 'serve', '--sot', sot, '--data', data, '--listen', '127.0.0.1:0', '--log-format', 'json', ...extra], {
    env,
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const m = /serving .* on http:\/\/([\d.]+):(\d+)\/v1/.exec(err);
    // A wildcard listener is reached over loopback all the same.
    if (m) return { proc, base: `http://${m[1] === '0.0.0.0' ? '127.0.0.1' : m[1]}:${m[2]}`, log: () => err };
    if (proc.exitCode !== null) break;
    await sleep(100);
  }
  proc.kill('SIGKILL');
  throw new Error(`corral serve did not start:\n${err}`);
}

export function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

export async function getJson(url: string) {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as any };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v !== undefined) return v;
    await sleep(150);
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function stop(s: Served): Promise<number | null> {
  return new Promise((resolve) => {
    const t = setTimeout(() => s.proc.kill('SIGKILL'), 10_000);
    s.proc.once('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
    s.proc.kill('SIGTERM');
  });
}

