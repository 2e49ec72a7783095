// Runs nginx for the boot assets (config: assets-nginx-config.ts) as a child whose life is tied
// to Corral's: started through util-linux's setpriv with a parent-death signal, so even a
// `kill -9` of Corral sends nginx's master SIGTERM, and it stops its workers and frees the port.
// nginx that exits on its own is started again (after 1 s, then up to 30 s between tries).
// `setAssetsDir` rewrites the config and reloads it (SIGHUP: a graceful reload, downloads in
// flight finish on the old workers).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Logger } from '../lib/log.js';
import { nginxConfig, type NginxConfigInput } from './assets-nginx-config.js';

export interface NginxBuild {
  bin: string;
  /** Temp-path directives the build has (each would otherwise point under /var/lib/nginx). */
  tempKinds: string[];
  version: string;
}

const SEARCH = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx', '/usr/local/nginx/sbin/nginx'];
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'];

/** The nginx on this machine (PATH first), or undefined. */
export function findNginx(bin?: string): NginxBuild | undefined {
  const candidates = bin ? [bin] : [...(process.env.PATH ?? '').split(':').filter(Boolean).map((d) => join(d, 'nginx')), ...SEARCH];
  for (const c of candidates) {
    if (!existsSync(c)) continue;
    // `nginx -V` prints its version and build options on stderr.
    const r = spawnSync(c, ['-V'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
    const build = r.status === 0 ? parseBuild(c, `${r.stdout}${r.stderr}`) : undefined;
    if (build) return build;
  }
  return undefined;
}

function parseBuild(bin: string, text: string): NginxBuild | undefined {
  const version = /nginx version: (\S+)/.exec(text)?.[1];
  if (!version) return undefined;
  const kinds = new Set<string>(['client_body', 'proxy']);
  for (const m of text.matchAll(/--http-(client-body|fastcgi|proxy|scgi|uwsgi)-temp-path/g)) kinds.add(m[1]!.replace('-', '_'));
  for (const m of text.matchAll(/--without-http_(fastcgi|scgi|uwsgi)_module/g)) kinds.delete(m[1]!);
  return { bin, version, tempKinds: [...kinds] };
}

export interface NginxOptions extends Omit<NginxConfigInput, 'tempKinds'> {
  build: NginxBuild;
  log: Logger;
}

export interface NginxAssets {
  pid(): number | undefined;
  /** Rewrites the config for another assets folder and reloads nginx. */
  setAssetsDir(dir: string | undefined): void;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether something accepts connections on address:port. */
function accepting(address: string, port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = connect({ host: address, port });
    s.once('connect', () => (s.destroy(), r(true)));
    s.once('error', () => r(false));
  });
}

/** Starts nginx and resolves once it accepts connections; rejects with its error output otherwise. */
export async function startNginx(o: NginxOptions): Promise<NginxAssets> {
  const log = o.log.child({ service: 'nginx' });
  const confPath = join(o.runDir, 'nginx.conf');
  let input: NginxConfigInput = { ...o, tempKinds: o.build.tempKinds };
  const write = () => {
    for (const k of input.tempKinds) mkdirSync(join(o.runDir, 'tmp', k), { recursive: true, mode: 0o700 });
    writeFileSync(confPath, nginxConfig(input), { mode: 0o600 });
  };
  write();
  const setpriv = SETPRIV.find((p) => existsSync(p));
  if (!setpriv) log.warn('setpriv (util-linux) not found: nginx outlives Corral if Corral is killed with SIGKILL');
  const args = ['-p', o.runDir, '-c', confPath, '-e', 'stderr'];
  let child: ChildProcess | undefined;
  let stopping = false;
  let stderr = '';

  const launch = (): ChildProcess => {
    // Its own process group (detached): a master killed with SIGKILL leaves its workers running
    // and holding the port; `killGroup` ends them before the next start.
    const opts = { stdio: ['ignore', 'ignore', 'pipe'] as ('ignore' | 'pipe')[], detached: true };
    const c = setpriv ? spawn(setpriv, ['--pdeathsig', 'TERM', '--', o.build.bin, ...args], opts) : spawn(o.build.bin, args, opts);
    c.stderr!.setEncoding('utf8');
    c.stderr!.on('data', (d: string) => {
      stderr = (stderr + d).slice(-4000);
      for (const line of d.split('\n').filter(Boolean)) log.warn('nginx', { line });
    });
    return c;
  };

  const ready = async (c: ChildProcess): Promise<void> => {
    let exited: string | undefined;
    c.once('exit', (code, sig) => (exited = `exited (${sig ?? code})`));
    c.once('error', (e) => (exited = e.message));
    for (let i = 0; i < 100 && !exited; i++) {
      if (await accepting(o.address, o.port)) return;
      await sleep(50);
    }
    killGroup(c);
    throw new Error(`nginx did not start: ${exited ?? 'not listening after 5 s'}${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
  };

  const killGroup = (c: ChildProcess) => {
    try {
      if (c.pid) process.kill(-c.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  };

  let backoff = 1000;
  const supervise = (c: ChildProcess) => {
    c.once('exit', (code, sig) => {
      if (stopping || child !== c) return;
      child = undefined;
      killGroup(c);
      log.error('nginx exited; starting it again', { code, signal: sig, inMs: backoff });
      setTimeout(() => {
        if (stopping) return;
        const next = launch();
        child = next;
        supervise(next);
        ready(next).then(
          () => ((backoff = 1000), log.info('nginx running again', { pid: next.pid })),
          (e: Error) => log.error('nginx did not start again', { error: e.message }),
        );
      }, backoff).unref();
      backoff = Math.min(backoff * 2, 30_000);
    });
  };

  child = launch();
  await ready(child);
  supervise(child);
  log.info('nginx serves the boot assets', { pid: child.pid, version: o.build.version, assets: o.assetsDir ?? null, config: confPath });

  return {
    pid: () => child?.pid,
    setAssetsDir(dir) {
      if (dir === input.assetsDir) return;
      input = { ...input, assetsDir: dir };
      write();
      // SIGHUP: nginx rereads the config; old workers finish their downloads first.
      child?.kill('SIGHUP');
      log.info('nginx config rewritten for another assets folder', { assets: dir ?? null });
    },
    async stop() {
      stopping = true;
      const c = child;
      child = undefined;
      if (!c) return;
      if (c.exitCode !== null || c.signalCode !== null) return killGroup(c);
      const gone = new Promise<void>((r) => c.once('exit', () => r()));
      c.kill('SIGTERM'); // fast shutdown: workers end their connections, the port is free at once
      const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
      killGroup(c);
    },
  };
}
