// corral lab up | status | down: Corral's own virtual lab (see docs/lab.md).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { deleteNamespace, namespaceExists } from './net.js';
import { buildPayload, PayloadError } from './payload.js';
import { ovmfFiles } from './qemu.js';
import { planMachines, type LabSpec } from './spec.js';
import { labPaths, readStatus } from './state.js';
import { runLabDaemon } from './daemon.js';
import { runLabSupervisor } from './supervisor.js';
import { unixRequest } from './client.js';

type Out = { out: (s: string) => void; err: (s: string) => void };

export class LabUsageError extends Error {}

export const LAB_USAGE = `  corral lab up [--hosts 3] [--uefi 1] [--uefi-http 0] [--bmc ipmi|redfish] [--sot <dir>] [--api 127.0.0.1:8080]
                [--dhcp-mode server|proxy] [--mode auto|on-demand] [--accel auto|kvm|tcg] [--unlisted N]
                [--name corral-lab] [--dir <dir>] [--timeout 300] [--watch] [--server corral|standin] [-- <corral serve flags>]
  corral lab status [--name corral-lab] [--dir <dir>]
  corral lab down [--name corral-lab] [--dir <dir>]`;

const COMMON = { name: { type: 'string', default: 'corral-lab' }, dir: { type: 'string' } } as const;

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function defaultDir(name: string): string {
  return isRoot() ? join('/run', name) : join(process.env.XDG_RUNTIME_DIR ?? tmpdir(), `${name}-${process.getuid?.()}`);
}

function cacheDir(): string {
  return process.env.CORRAL_LAB_CACHE ?? (isRoot() ? '/var/cache/corral-lab' : join(homedir(), '.cache', 'corral-lab'));
}

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function supervisorPid(dir: string): number | undefined {
  try {
    return Number(readFileSync(labPaths(dir).supervisor, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** The privilege the lab runs with, or why it cannot run here. */
function privilege(): { ok: 'root' | 'userns' } | { why: string } {
  if (isRoot()) return { ok: 'root' };
  if (!has('unshare')) return { why: 'not root and no unshare(1) (util-linux): run as root' };
  const t = spawnSync('unshare', ['--user', '--map-root-user', '--net', 'true']);
  if (t.status === 0) return { ok: 'userns' };
  return { why: 'not root, and this kernel does not allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or user.max_user_namespaces > 0): run corral lab as root' };
}

/** Missing tools for this lab, as apt packages. */
function missingTools(spec: Pick<LabSpec, 'machines' | 'dhcpMode' | 'siteDhcp'>): string[] {
  const need: [string, string][] = [['qemu-system-x86_64', 'qemu-system-x86'], ['ip', 'iproute2'], ['curl', 'curl']];
  if (spec.machines.some((m) => m.bmc === 'ipmi')) need.push(['ipmi_sim', 'openipmi'], ['ipmitool', 'ipmitool']);
  if (spec.machines.some((m) => m.bmc === 'redfish')) need.push(['openssl', 'openssl']);
  if (spec.dhcpMode === 'proxy' && spec.siteDhcp) need.push(['dnsmasq', 'dnsmasq']);
  const out = need.filter(([c]) => !has(c)).map(([, p]) => p);
  if (spec.machines.some((m) => m.firmware === 'uefi') && !ovmfFiles()) out.push('ovmf');
  if (!existsSync('/usr/lib/ipxe/qemu/pxe-e1000.rom') && !existsSync('/usr/share/qemu/pxe-e1000.rom')) out.push('ipxe-qemu');
  return out;
}

function intOpt(name: string, v: string | undefined, def: number, min = 0, max = 250): number {
  if (v === undefined) return def;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new LabUsageError(`--${name} must be a whole number from ${min} to ${max}, not "${v}"`);
  return Number(v);
}

/** The command that runs Corral with this process's runtime (node + tsx in development). */
function corralCommand(): string[] {
  return [process.execPath, ...process.execArgv, resolve(process.argv[1]!)];
}

async function up(args: string[], io: Out): Promise<number> {
  const { values: v, positionals } = parseArgs({ args, options: { ...COMMON, hosts: { type: 'string' }, uefi: { type: 'string' }, 'uefi-http': { type: 'string' }, bmc: { type: 'string' }, sot: { type: 'string' }, api: { type: 'string', default: '127.0.0.1:8080' },
    'dhcp-mode': { type: 'string', default: 'server' }, mode: { type: 'string', default: 'auto' }, accel: { type: 'string', default: 'auto' }, unlisted: { type: 'string' }, timeout: { type: 'string' }, watch: { type: 'boolean' }, 'no-site-dhcp': { type: 'boolean' }, server: { type: 'string', default: 'corral' } }, allowPositionals: true, strict: true });
  const dashDash = args.indexOf('--');
  if (positionals.length && (dashDash < 0 || args.length - dashDash - 1 !== positionals.length)) throw new LabUsageError(`unexpected argument "${positionals[0]}" (corral serve flags go after --)`);
  const hosts = intOpt('hosts', v.hosts, 3, 1, 60);
  const uefi = intOpt('uefi', v.uefi, v.hosts === undefined ? 1 : 0, 0, hosts);
  // The last --uefi-http of the UEFI machines boot through UEFI HTTP boot (docs/lab.md).
  const uefiHttp = intOpt('uefi-http', v['uefi-http'], 0, 0, uefi);
  if (uefiHttp > 0 && v.server === 'standin') throw new LabUsageError('--uefi-http: the stand-in (dnsmasq) lab answers PXE clients only');
  if (v.bmc !== undefined && v.bmc !== 'ipmi' && v.bmc !== 'redfish') throw new LabUsageError('--bmc must be ipmi or redfish');
  if (v['dhcp-mode'] !== 'server' && v['dhcp-mode'] !== 'proxy') throw new LabUsageError('--dhcp-mode must be server or proxy');
  if (v.mode !== 'auto' && v.mode !== 'on-demand') throw new LabUsageError('--mode must be auto or on-demand');
  if (v.server !== 'corral' && v.server !== 'standin') throw new LabUsageError('--server must be corral or standin');
  if (!['auto', 'kvm', 'tcg'].includes(v.accel!)) throw new LabUsageError('--accel must be auto, kvm or tcg');
  if (!/^[a-z][a-z0-9-]{0,11}$/.test(v.name!)) throw new LabUsageError('--name must be 1-12 characters: lower-case letters, digits, -');
  const api = /^([\d.]+|localhost):(\d{1,5})$/.exec(v.api!);
  if (!api) throw new LabUsageError(`--api "${v.api}" is not host:port`);
  if (v.sot && !existsSync(v.sot)) throw new LabUsageError(`--sot ${v.sot}: no such folder`);
  const timeoutS = intOpt('timeout', v.timeout, 300, 10, 3600);
  const dir = resolve(v.dir ?? defaultDir(v.name!));
  const priv = privilege();
  if ('why' in priv) {
    io.err(`corral lab: cannot build the lab network: ${priv.why}\n`);
    return 1;
  }
  const pid = supervisorPid(dir);
  if (alive(pid)) {
    io.err(`corral lab: a lab is already running in ${dir} (supervisor pid ${pid}, ${readStatus(dir)?.phase ?? 'unknown'}); run corral lab down first\n`);
    return 1;
  }
  if (priv.ok === 'root' && namespaceExists(v.name!)) {
    io.err(`corral lab: network namespace ${v.name} exists (a lab that was not torn down?): run corral lab down --name ${v.name}\n`);
    return 1;
  }
  const accel = v.accel === 'auto' ? (kvmUsable() ? 'kvm' : 'tcg') : (v.accel as 'kvm' | 'tcg');
  const serverIp = '10.77.0.1';
  const siteDhcp = v['dhcp-mode'] === 'proxy' && !v['no-site-dhcp'];
  if (siteDhcp && priv.ok !== 'root') {
    io.err('corral lab: --dhcp-mode proxy starts a site DHCP server in a second namespace, which needs root (or pass --no-site-dhcp)\n');
    return 1;
  }
  const machines = planMachines({ hosts, uefi, uefiHttp, ...(v.bmc && { bmc: v.bmc as 'ipmi' | 'redfish' }), unlisted: intOpt('unlisted', v.unlisted, 0, 0, 10) }, serverIp);
  const spec: LabSpec = {
    name: v.name!, dir, cacheDir: cacheDir(), bridge: 'corral0', serverIp, api: { host: api[1]!, port: Number(api[2]) },
    dhcpMode: v['dhcp-mode'] as 'server' | 'proxy', siteDhcp, mode: v.mode as 'auto' | 'on-demand', accel,
    ...(v.sot && { sot: resolve(v.sot) }), machines, corral: corralCommand(), privilege: priv.ok, bmcUser: 'admin', serveArgs: positionals, server: v.server as 'corral' | 'standin',
  };
  const missing = missingTools(spec);
  if (missing.length) {
    io.err(`corral lab: missing tools; install them with: apt-get install ${missing.join(' ')}\n`);
    return 1;
  }
  try {
    buildPayload(spec.cacheDir, (m) => io.err(`corral lab: ${m}\n`));
  } catch (e) {
    io.err(`corral lab: ${e instanceof PayloadError ? e.message : `building the installer payload failed: ${(e as Error).message}`}\n`);
    return 1;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const paths = labPaths(dir);
  writeFileSync(paths.bmcPassword, randomBytes(12).toString('base64url'), { mode: 0o600 });
  writeFileSync(paths.spec, JSON.stringify(spec, null, 2));
  const sup = spawn(spec.corral[0]!, [...spec.corral.slice(1), 'lab', 'supervise', '--dir', dir], { detached: true, stdio: 'ignore' });
  sup.unref();
  io.err(`corral lab: starting ${machines.length} machines (${accel}) in namespace ${spec.name}; log ${paths.log}\n`);
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    const s = readStatus(dir);
    if (s?.phase === 'ready') break;
    if (s?.phase === 'failed' || !alive(sup.pid)) {
      io.err(`corral lab: the lab failed to start: ${s?.message}\n${tail(paths.log, 15)}${tail(paths.corralLog, 15)}`);
      await down(['--dir', dir, '--name', spec.name], { out: () => {}, err: io.err });
      return 1;
    }
    if (Date.now() > deadline) {
      io.err(`corral lab: not ready after ${timeoutS} s (${s?.message ?? 'no status'})\n`);
      await down(['--dir', dir, '--name', spec.name], { out: () => {}, err: io.err });
      return 1;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (spec.server === 'standin') {
    io.out(`corral lab ${spec.name} is up with the stand-in server (dnsmasq + static HTTP, no API): ${machines.length} machines; drive them through ${paths.control}\n`);
    return 0;
  }
  const url = `http://${spec.api.host}:${spec.api.port}`;
  io.out(`corral lab ${spec.name} is up: ${machines.length} machines, API ${url}/v1 (docs ${url}/docs)
  hosts:   curl -s ${url}/v1/hosts?site=corral-lab
  events:  curl -sN ${url}/v1/events?site=corral-lab
  console: curl -s ${url}/v1/hosts/${machines[0]!.name}/console
  token:   export CORRAL_TOKEN=$(cat ${paths.data}/admin.token)
  status:  corral lab status${v.dir ? ` --dir ${dir}` : ''}     stop: corral lab down${v.dir ? ` --dir ${dir}` : ''}
`);
  if (v.watch) return watch(spec, io, deadline);
  return 0;
}

/** KVM works for this user when /dev/kvm can be opened read-write. */
function kvmUsable(): boolean {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function tail(file: string, n: number): string {
  if (!existsSync(file)) return '';
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n);
  return `--- ${file}\n${lines.join('\n')}\n`;
}

/** GET over a unix socket (the lab's control or API socket). */
const getUnix = (socketPath: string, path: string): Promise<{ status: number; body: string }> => unixRequest(socketPath, 'GET', path, '', 5000);

interface HostRow {
  id: string;
  lifecycle_state?: string;
  stage?: string;
}

async function labHosts(dir: string): Promise<HostRow[]> {
  const r = await getUnix(labPaths(dir).apiSocket, '/v1/hosts?site=corral-lab');
  return r.status === 200 ? (JSON.parse(r.body) as HostRow[]) : [];
}

/** --watch: prints each lab host's lifecycle changes until all are active (or the deadline). */
async function watch(spec: LabSpec, io: Out, deadline: number): Promise<number> {
  const seen = new Map<string, string>();
  const t0 = Date.now();
  const listed = spec.machines.filter((m) => m.listed).map((m) => m.name);
  while (Date.now() < deadline) {
    const rows = await labHosts(spec.dir).catch(() => []);
    for (const h of rows) {
      const s = `${h.lifecycle_state ?? '?'}${h.stage ? ` (${h.stage})` : ''}`;
      if (seen.get(h.id) !== s) {
        seen.set(h.id, s);
        io.out(`+${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${h.id.padEnd(10)} ${s}\n`);
      }
    }
    if (listed.every((n) => rows.find((r) => r.id === n)?.lifecycle_state === 'active')) {
      io.out(`all ${listed.length} lab hosts active after ${((Date.now() - t0) / 1000).toFixed(1)} s; the lab keeps running (corral lab down stops it)\n`);
      return 0;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  io.err('corral lab: not every host became active before the timeout (corral lab status shows where each is)\n');
  return 1;
}

async function status(args: string[], io: Out): Promise<number> {
  const { values: v } = parseArgs({ args, options: COMMON, strict: true });
  const dir = resolve(v.dir ?? defaultDir(v.name!));
  const pid = supervisorPid(dir);
  const s = readStatus(dir);
  if (!alive(pid)) {
    io.out(`no lab running in ${dir}${s ? ` (last status: ${s.phase}: ${s.message})` : ''}\n`);
    return 3;
  }
  const spec = JSON.parse(readFileSync(labPaths(dir).spec, 'utf8')) as LabSpec;
  io.out(`lab ${spec.name}: ${s?.phase} (${s?.message}); supervisor pid ${pid}; API http://${spec.api.host}:${spec.api.port}/v1; folder ${dir}\n`);
  const machines = await getUnix(labPaths(dir).control, '/machines').then((r) => JSON.parse(r.body) as { name: string; power: string; firmware: string }[]).catch(() => []);
  const hosts = await labHosts(dir).catch(() => []);
  io.out(`${'MACHINE'.padEnd(10)} ${'FIRMWARE'.padEnd(9)} ${'BMC'.padEnd(16)} ${'POWER'.padEnd(5)} LIFECYCLE\n`);
  for (const m of spec.machines) {
    const power = machines.find((x) => x.name === m.name)?.power ?? '?';
    const h = hosts.find((x) => x.id === m.name);
    io.out(`${m.name.padEnd(10)} ${(m.netBoot === 'http' ? 'uefi-http' : m.firmware).padEnd(9)} ${`${m.bmc} :${m.bmcPort}`.padEnd(16)} ${power.padEnd(5)} ${m.listed ? `${h?.lifecycle_state ?? '?'}${h?.stage ? ` (${h.stage})` : ''}` : '(not in the SoT)'}\n`);
  }
  return 0;
}

async function down(args: string[], io: Out): Promise<number> {
  const { values: v } = parseArgs({ args, options: COMMON, strict: true });
  const dir = resolve(v.dir ?? defaultDir(v.name!));
  let name = v.name!;
  try {
    name = (JSON.parse(readFileSync(labPaths(dir).spec, 'utf8')) as LabSpec).name;
  } catch {
    /* no spec: use --name */
  }
  const pid = supervisorPid(dir);
  let stopped = false;
  if (alive(pid)) {
    process.kill(pid!, 'SIGTERM');
    const deadline = Date.now() + 60_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (alive(pid)) {
      // The supervisor leads its process group (spawned detached): take the whole group.
      try {
        process.kill(-pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    stopped = true;
  }
  const leftovers: string[] = [];
  if (isRoot()) {
    for (const ns of [`${name}-site`, name]) {
      if (namespaceExists(ns)) {
        deleteNamespace(ns);
        leftovers.push(`namespace ${ns}`);
      }
    }
  }
  const hadDir = existsSync(dir);
  rmSync(dir, { recursive: true, force: true });
  if (!stopped && !hadDir && !leftovers.length) {
    io.out(`no lab in ${dir}\n`);
    return 0;
  }
  io.out(`lab ${name} down${leftovers.length ? ` (also removed: ${leftovers.join(', ')})` : ''}; ${dir} removed\n`);
  return 0;
}

export async function cmdLab(argv: string[], io: Out): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'up':
        return await up(rest, io);
      case 'status':
        return await status(rest, io);
      case 'down':
        return await down(rest, io);
      case 'daemon':
      case 'supervise': {
        const { values: v } = parseArgs({ args: rest, options: { dir: { type: 'string' } }, strict: true });
        if (!v.dir) throw new LabUsageError(`lab ${sub} needs --dir`);
        await (sub === 'daemon' ? runLabDaemon(v.dir) : runLabSupervisor(v.dir));
        // Both run until a signal ends them (they call process.exit).
        await new Promise(() => {});
        return 0;
      }
      default:
        throw new LabUsageError(sub ? `unknown lab command "${sub}"` : 'lab needs up, status or down');
    }
  } catch (e) {
    if (e instanceof LabUsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`corral lab: ${(e as Error).message}\n${LAB_USAGE}\n`);
      return 2;
    }
    throw e;
  }
}
