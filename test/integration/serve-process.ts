// `corral serve` as a child process for integration tests: started on an ephemeral loopback
// port, its stderr kept for assertions, stopped with SIGTERM (SIGKILL after 10 s).
import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor as poll, within } from '../fakes/wait.js';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface Served {
  proc: ChildProcess;
  base: string;
  log: () => string;
}

const LISTENING = /serving .* on http:\/\/([\d.]+):(\d+)\/v1/;

export async function startServe(sot: string, data: string, extra: string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<Served> {
  const args = ['--import', 'tsx', 'src/bin.ts', 'serve', '--sot', sot, '--data', data, '--listen', '127.0.0.1:0', '--log-format', 'json', ...extra];
  return startServeCommand(process.execPath, args, { cwd: ROOT, env, what: 'corral serve' });
}

/**
 * A `corral serve` command line started (from the source tree, or an installed package); its API
 * base once it logs that it listens, within 30 s. Otherwise it is killed and the error carries
 * its stderr.
 */
export async function startServeCommand(cmd: string, args: string[], o: { cwd: string; env?: NodeJS.ProcessEnv; what: string }): Promise<Served> {
  const proc = spawn(cmd, args, { env: o.env ?? process.env, cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  // The "serving" log line, or undefined once the process has exited without it.
  const listening = new Promise<RegExpExecArray | undefined>((resolve) => {
    proc.stderr!.on('data', (d) => {
      err += d;
      const m = LISTENING.exec(err);
      if (m) resolve(m);
    });
    proc.once('exit', () => resolve(undefined));
  });
  const m = await within(listening, { timeoutMs: 30_000, what: `${o.what} to listen` }).catch(() => undefined);
  // A wildcard listener is reached over loopback all the same.
  if (m) return { proc, base: `http://${m[1] === '0.0.0.0' ? '127.0.0.1' : m[1]}:${m[2]}`, log: () => err };
  proc.kill('SIGKILL');
  throw new Error(`${o.what} did not start:\n${err}`);
}

export async function getJson(url: string) {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as any };
}

/** Polls `fn` (a request to the process) until it returns a value; fails after `ms`. */
export function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  return poll(fn, { what, timeoutMs: ms, intervalMs: 100 }) as Promise<T>;
}

/** Stops the process (SIGKILL if still running 10 s after SIGTERM); its exit code. Safe to call again. */
export function stop(s: Served): Promise<number | null> {
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) return Promise.resolve(s.proc.exitCode);
  return new Promise((resolve) => {
    const t = setTimeout(() => s.proc.kill('SIGKILL'), 10_000);
    s.proc.once('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
    s.proc.kill('SIGTERM');
  });
}
