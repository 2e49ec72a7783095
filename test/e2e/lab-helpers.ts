// Driving `corral lab` from end-to-end tests: bring a lab up as a user would (the CLI), read its
// API through the forwarded port, drive its machines through the lab's control socket, and
// tear it down. Every wait is a poll with a deadline.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pollUntil } from '../../src/lib/poll.js';
import { labControl } from '../../src/lab/client.js';

export const ROOT = new URL('../..', import.meta.url).pathname;
const CORRAL = [process.execPath, '--import', 'tsx', join(ROOT, 'src/bin.ts')];

/** Why the lab cannot run here (undefined: it can). Under CI=true as root nothing may be missing. */
export function labWhyNot(extra: string[] = []): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root: the lab builds network namespaces, taps and binds ports 67/69';
  for (const bin of ['qemu-system-x86_64', 'ipmi_sim', 'ipmitool', 'openssl', 'curl', 'dnsmasq', ...extra]) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return `${bin} not installed (npm test installs the lab's Debian packages as root)`;
  }
  if (!existsSync('/usr/share/OVMF/OVMF_CODE_4M.fd') && !existsSync('/usr/share/OVMF/OVMF_CODE.fd')) return 'OVMF not installed (apt-get install ovmf)';
  return undefined;
}

export function corral(args: string[], timeout = 600_000) {
  return spawnSync(CORRAL[0]!, [...CORRAL.slice(1), ...args], { cwd: ROOT, encoding: 'utf8', timeout });
}

export function sh(cmd: string, timeout = 60_000) {
  return spawnSync('bash', ['-c', cmd], { encoding: 'utf8', timeout });
}

export interface Lab {
  name: string;
  dir: string;
  api: string;
}

export function labUp(lab: Lab, args: string[]): string {
  // TCG: nested KVM on CI machines makes guests crawl; --accel tcg is deterministic everywhere.
  const r = corral(['lab', 'up', '--name', lab.name, '--dir', lab.dir, '--api', lab.api.replace('http://', ''), '--accel', 'tcg', ...args]);
  if (r.status !== 0) throw new Error(`corral lab up failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

export function labDown(lab: Lab): string {
  const r = corral(['lab', 'down', '--name', lab.name, '--dir', lab.dir], 120_000);
  return `${r.stdout}${r.stderr}`;
}

export async function api(lab: Lab, path: string, init: RequestInit = {}): Promise<any> {
  const r = await fetch(`${lab.api}/v1${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
  const text = await r.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function token(lab: Lab): string {
  return readFileSync(join(lab.dir, 'data', 'admin.token'), 'utf8').trim();
}

/** The lab's control socket: machine power and boot device, as a BMC would set them. */
export const control = (lab: Lab, method: 'GET' | 'POST', path: string, body = ''): Promise<string> => labControl(join(lab.dir, 'control.sock'), method, path, body);

export async function machine(lab: Lab, name: string): Promise<{ power: string; boot_override: { device: string; once: boolean } | null }> {
  const list = JSON.parse(await control(lab, 'GET', '/machines')) as any[];
  return list.find((m) => m.name === name);
}

/** Bounded poll (src/lib/poll.ts): every `everyMs` until `ms` have passed. */
export const waitFor = (what: string, fn: () => any, ms: number, everyMs = 1000) => pollUntil(what, fn, ms, everyMs);

export function consoleText(lab: Lab, machineName: string): string {
  const f = join(lab.dir, 'console', `${machineName}.log`);
  return existsSync(f) ? readFileSync(f, 'utf8').replace(/\r/g, '') : '';
}

/** vmpooler's routes live under /api/v1, beside the operator API's /v1 (api() above): status and body. */
export async function vmpooler(lab: Lab, path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const r = await fetch(`${lab.api}/api/v1${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
  const text = await r.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: r.status, body };
}

/** A host journal entry as GET /v1/hosts/{id}/events lists it. */
export type JournalEvent = { seq: number; at: string; type: string; data?: any };

/** The types after event `afterSeq` must include `want` in this order (a subsequence). */
export function assertEventsInOrder(host: string, evs: JournalEvent[], afterSeq: number, want: string[]): void {
  const types = evs.filter((e) => e.seq > afterSeq).map((e) => e.type);
  let i = 0;
  for (const t of types) if (t === want[i]) i++;
  if (i !== want.length) throw new Error(`${host}: expected ${want.join(' → ')} after seq ${afterSeq}, got ${types.join(', ')}`);
}

/** Where a boot's time went, in s from the first event after `afterSeq` (printed, not asserted: TCG timings move with load). */
export function eventTimeline(evs: JournalEvent[], afterSeq: number): string {
  const after = evs.filter((e) => e.seq > afterSeq && !e.type.startsWith('dhcp.offered'));
  const t0 = Date.parse(after[0]?.at ?? '');
  return after.map((e) => `${e.type} ${((Date.parse(e.at) - t0) / 1000).toFixed(1)}`).join(', ');
}

/** A host's journal (GET /v1/hosts/{id}/events). */
export const hostEvents = async (lab: Lab, host: string) => (await api(lab, `/hosts/${host}/events`)) as JournalEvent[];
