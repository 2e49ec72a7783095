// End-to-end boot benchmark on Corral's own lab (`corral lab`), side by side in one run: a QEMU
// machine from power-on (PXE) to the lab installer's CORRAL-LAB-INSTALL-OK console marker, served
// by the baseline stand-in (dnsmasq + a static HTTP server: `lab up --server standin`) and by
// Corral, for a BIOS and a UEFI machine, in DHCP server mode and (--proxy) proxyDHCP mode beside
// a site DHCP server. Then the lab's own headline: `lab up --mode auto` to every host active.
//
// How a boot is driven: both labs run on-demand, so nothing boots until asked, one machine at a
// time. The stand-in machine gets PXE-once and power-on through the lab's control socket (what a
// BMC would do); Corral is asked through its API (POST /v1/hosts/{id}/provision) and drives the
// machine's BMC itself (an on-demand site answers an unrequested machine with "boot the next
// device"). Both clocks start at the same point: the lab daemon's "power on" record in the
// machine's console log, written as it starts QEMU; they stop when the marker shows in the
// console (polled every 50 ms). The two labs are up together and their boots interleave, so a
// change in the machine's load hits both sides alike.
//
// Reported besides the totals, for the best run of each: console milestones (firmware PXE, TFTP
// NBP if any, iPXE's DHCP, script, kernel+initrd, installer, marker) for both; Corral's journal
// (GET /v1/hosts/{id}/events) and the stand-in's HTTP access log as the server-side stages.
// Then the boot phases side by side (PHASES: firmware DHCP, NBP over TFTP, iPXE's DHCP, script,
// kernel + initrd, callback), from Corral's journal, whose DHCP events say which boot stage asked,
// and from the stand-in's HTTP log and console. Corral's lab has a third machine booting through
// UEFI HTTP boot (`--uefi-http 1`), compared with the stand-in's UEFI PXE boot.
//
// Needs root (namespaces, taps, ports 67/69; proxy mode a second namespace), QEMU, OVMF, ipmi_sim,
// dnsmasq; TCG guests (--accel tcg), so a boot takes tens of seconds on a small machine.
//   node --import tsx bench/boot-e2e.ts [--runs 1] [--proxy] [--no-auto] [--timeout 600]
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pollUntil } from '../src/lib/poll.js';
import { labControl } from '../src/lab/client.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CORRAL = [process.execPath, '--import', 'tsx', join(ROOT, 'src', 'bin.ts')];

const { values: opts } = parseArgs({
  options: { runs: { type: 'string', default: '1' }, proxy: { type: 'boolean', default: false }, 'no-auto': { type: 'boolean', default: false }, timeout: { type: 'string', default: '600' } },
  strict: true,
});
const RUNS = Number(opts.runs);
const BOOT_TIMEOUT_MS = Number(opts.timeout) * 1000;
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('--runs needs a whole number >= 1');
if (!Number.isFinite(BOOT_TIMEOUT_MS) || BOOT_TIMEOUT_MS < 30_000) throw new Error('--timeout needs seconds (>= 30)');

type Server = 'standin' | 'corral';
type DhcpMode = 'server' | 'proxy';

interface Lab {
  name: string;
  dir: string;
  port: number;
  server: Server;
}

/**
 * Machines of the bench labs: n1 BIOS behind IPMI, n2 UEFI (OVMF PXE) behind Redfish; Corral's lab
 * also has n3, UEFI through UEFI HTTP boot (`--uefi-http 1`), which the stand-in (dnsmasq, PXE
 * only) cannot serve: its row is compared with the stand-in's UEFI PXE boot, its default.
 */
const MACHINES: { name: string; firmware: string; servers: Server[]; baseline?: string }[] = [
  { name: 'lab-n1', firmware: 'bios', servers: ['standin', 'corral'] },
  { name: 'lab-n2', firmware: 'uefi', servers: ['standin', 'corral'] },
  { name: 'lab-n3', firmware: 'uefi-http', servers: ['corral'], baseline: 'uefi' },
];

const work = mkdtempSync(join(tmpdir(), 'corral-boot-e2e-'));
const tag = (process.pid % 46656).toString(36);
const upLabs = new Set<Lab>();

// ---------------------------------------------------------------- processes, sockets, HTTP

function run(args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(CORRAL[0]!, [...CORRAL.slice(1), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c) => (out += c));
    p.stderr.on('data', (c) => (out += c));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.once('error', (e) => (out += String(e)));
    p.once('close', (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The lab's control socket (machine power and boot device). */
const control = (lab: Lab, method: 'GET' | 'POST', path: string, body = ''): Promise<string> => labControl(join(lab.dir, 'control.sock'), method, path, body);

async function power(lab: Lab, machine: string): Promise<string> {
  const list = JSON.parse(await control(lab, 'GET', '/machines')) as { name: string; power: string }[];
  return list.find((m) => m.name === machine)?.power ?? '?';
}

async function api(lab: Lab, path: string, init: RequestInit = {}): Promise<any> {
  const r = await fetch(`http://127.0.0.1:${lab.port}/v1${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
  const text = await r.text();
  if (!r.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${r.status} ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const waitFor = pollUntil;

// ---------------------------------------------------------------- labs

async function labUp(name: string, server: Server, args: string[]): Promise<Lab> {
  const lab: Lab = { name, dir: join(work, name), port: await freePort(), server };
  upLabs.add(lab);
  const r = await run(['lab', 'up', '--name', name, '--dir', lab.dir, '--api', `127.0.0.1:${lab.port}`, '--accel', 'tcg', '--server', server, '--timeout', '300', ...args], 420_000);
  if (r.code !== 0) throw new Error(`lab up ${name} (${server}) failed (${r.code}):\n${r.out.trim()}`);
  return lab;
}

async function labDown(lab: Lab): Promise<void> {
  const r = await run(['lab', 'down', '--name', lab.name, '--dir', lab.dir], 120_000);
  if (r.code !== 0) process.stderr.write(`lab down ${lab.name}: ${r.out.trim()}\n`);
  upLabs.delete(lab);
}

async function downAll(): Promise<void> {
  await Promise.all([...upLabs].map((l) => labDown(l)));
  rmSync(work, { recursive: true, force: true });
}

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${sig}: tearing the labs down\n`);
    void downAll().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------- console milestones

/** Console milestones in boot order; each is searched from where the previous one matched. */
const MILESTONES: { name: string; re: RegExp }[] = [
  { name: 'firmware PXE start', re: /iPXE initialising devices|Open Source Network Boot Firmware|Start PXE over IPv4|>>Start PXE|Start HTTP Boot over IPv4/ },
  { name: 'firmware DHCP start', re: /Configuring \(net0|Start PXE over IPv4|Start HTTP Boot over IPv4/ },
  { name: 'firmware has an address', re: /Station IP address is/ },
  { name: 'NBP named', re: /undionly\.kpxe|snponly\.efi|Downloading NBP/ },
  // OVMF starting the NBP it loaded (BIOS has none: there the iPXE banner is the NIC ROM's, at POST).
  { name: 'NBP started', re: /BdsDxe: starting Boot\w+ "UEFI (?:PXE|HTTP)/ },
  { name: 'iPXE DHCP start', re: /Configuring \(net0/ },
  { name: 'iPXE DHCP done', re: /Configuring \(net0[^)]*\)[.\s]*ok/ },
  { name: 'script loaded', re: /(?:Corral|Stand-in): \S+ boot / },
  { name: 'kernel+initrd fetched', re: /(?:Corral|Stand-in): kernel and initrd fetched/ },
  { name: 'installer started', re: /CORRAL-LAB: installer started/ },
  { name: 'install OK', re: /CORRAL-LAB-INSTALL-OK host=/ },
];

/** Reads what a console log gains from an offset on; text without CRs and terminal escapes. */
class ConsoleTail {
  private text = '';
  private offset: number;
  constructor(private readonly file: string) {
    this.offset = existsSync(file) ? statSync(file).size : 0;
  }
  read(): string {
    if (!existsSync(this.file)) return this.text;
    const size = statSync(this.file).size;
    if (size > this.offset) {
      const fd = openSync(this.file, 'r');
      try {
        const b = Buffer.alloc(size - this.offset);
        const n = readSync(fd, b, 0, b.length, this.offset);
        this.offset += n;
        this.text += b.subarray(0, n).toString('latin1').replace(/\r/g, '').replace(/\x1b(?:\[[0-9;?=]*[A-Za-z]|[()][0-9A-Za-z]|.)/g, '');
      } finally {
        closeSync(fd);
      }
    }
    return this.text;
  }
}

interface Boot {
  scenario: string;
  server: Server;
  ok: boolean;
  why?: string;
  /** ms from power-on to the marker. */
  ms?: number;
  milestones: Map<string, number>;
  /** Server-side stages, ms from power-on (Corral's journal or the stand-in's HTTP log). */
  stages: Map<string, number>;
  /** Phase boundaries, ms from power-on (PHASES; journal for Corral, HTTP log and console for the stand-in). */
  marks: Map<string, number>;
}

async function bootOnce(lab: Lab, machine: string, scenario: string): Promise<Boot> {
  const boot: Boot = { scenario, server: lab.server, ok: false, milestones: new Map(), stages: new Map(), marks: new Map() };
  if ((await power(lab, machine)) !== 'Off') {
    await control(lab, 'POST', `/machines/${machine}/power`, 'off');
  }
  const tail = new ConsoleTail(join(lab.dir, 'console', `${machine}.log`));
  let lastSeq = 0;
  if (lab.server === 'corral') {
    const events = (await api(lab, `/hosts/${machine}/events?limit=1`)) as { seq: number }[];
    lastSeq = events.at(-1)?.seq ?? 0;
    const token = readFileSync(join(lab.dir, 'data', 'admin.token'), 'utf8').trim();
    await api(lab, `/hosts/${machine}/provision`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-auth-token': token }, body: '{}' });
  } else {
    await control(lab, 'POST', `/machines/${machine}/boot`, 'pxe');
    await control(lab, 'POST', `/machines/${machine}/power`, 'on');
  }
  const deadline = Date.now() + BOOT_TIMEOUT_MS;
  let t0: number | undefined;
  let from = 0;
  let next = 0;
  for (;;) {
    const text = tail.read();
    if (t0 === undefined) {
      const m = /\[corral lab\] (\S+) power on, boot from (\w+)/.exec(text);
      if (m) {
        t0 = Date.parse(m[1]!);
        if (m[2] !== 'pxe') {
          boot.why = `powered on to boot from ${m[2]}, not pxe`;
          break;
        }
      }
    }
    if (t0 !== undefined) {
      const now = Date.now();
      // Each milestone is looked for after the last one found; a missing one (no TFTP step) is skipped.
      for (let i = next; i < MILESTONES.length; i++) {
        const m = MILESTONES[i]!.re.exec(text.slice(from));
        if (!m) continue;
        boot.milestones.set(MILESTONES[i]!.name, now - t0);
        from += m.index;
        next = i + 1;
      }
      if (boot.milestones.has('install OK')) {
        boot.ok = true;
        boot.ms = boot.milestones.get('install OK');
        break;
      }
      if (/\[corral lab\] \S+ power off/.test(text)) {
        boot.why = `powered off without the marker (last console line: ${lastLine(text)})`;
        break;
      }
    }
    if (stopping) {
      boot.why = 'interrupted';
      return boot;
    }
    if (Date.now() > deadline) {
      boot.why = `no marker within ${BOOT_TIMEOUT_MS / 1000} s (last console line: ${lastLine(text)})`;
      break;
    }
    await sleep(50);
  }
  // The installer powers the machine off after the marker; wait for it (bounded), then force it.
  await waitFor(`${machine} off`, async () => ((await power(lab, machine)) === 'Off' ? true : undefined), 60_000).catch(async () => {
    await control(lab, 'POST', `/machines/${machine}/power`, 'off').catch(() => undefined);
  });
  if (t0 !== undefined) {
    boot.stages = lab.server === 'corral' ? await journalStages(lab, machine, lastSeq, t0, boot.ok, boot.marks) : standinStages(lab, t0, boot.marks);
    consoleMarks(boot);
  }
  return boot;
}

function lastLine(text: string): string {
  return JSON.stringify(text.trim().split('\n').pop()?.slice(0, 100) ?? '');
}

/** Corral's journal for this boot: the first event of each kind, ms from power-on. */
async function journalStages(lab: Lab, host: string, afterSeq: number, t0: number, ok: boolean, marks: Map<string, number>): Promise<Map<string, number>> {
  type Ev = { seq: number; at: string; type: string; data?: Record<string, unknown> };
  const events = ok
    ? await waitFor(`${host} active in Corral's journal`, async () => {
        const list = ((await api(lab, `/hosts/${host}/events`)) as Ev[]).filter((e) => e.seq > afterSeq);
        return list.some((e) => e.data?.new_state === 'active') ? list : undefined;
      }, 60_000).catch(async () => ((await api(lab, `/hosts/${host}/events`)) as Ev[]).filter((e) => e.seq > afterSeq))
    : ((await api(lab, `/hosts/${host}/events`)) as Ev[]).filter((e) => e.seq > afterSeq);
  const out = new Map<string, number>();
  let kernelSeen = false;
  for (const e of events) {
    let key = e.type;
    if (e.type === 'checkpoint') key = `checkpoint ${e.data?.n ?? '?'}`;
    else if (e.type === 'file.fetched') key = `file.fetched ${basename(String(e.data?.path ?? '?'))}`;
    else if (e.type.startsWith('dhcp.') && kernelSeen) key = `${e.type} (installer)`;
    if (e.type === 'kernel.fetched') kernelSeen = true;
    const at = Date.parse(e.at) - t0;
    if (!out.has(key)) out.set(key, at);
    // Phase boundaries: the DHCP events say which boot stage asked (data.client, src/dhcp/pxe.ts).
    const mark = (name: string) => void (marks.has(name) || marks.set(name, at));
    const client = e.data?.client;
    if (e.type === 'dhcp.acked' && (client === 'pxe' || client === 'http')) mark('firmware DHCP done');
    else if (e.type === 'tftp.sent') mark('NBP loaded');
    else if (e.type === 'dhcp.offered' && client === 'ipxe') mark('iPXE DHCP start');
    else if (e.type === 'dhcp.acked' && client === 'ipxe') mark('iPXE DHCP done');
    else if (e.type === 'ipxe.served') mark('script served');
    else if (e.type === 'checkpoint') mark('callback');
  }
  return out;
}

/**
 * Phase boundaries in boot order, ms after power-on. Each phase runs from the previous boundary
 * seen to its own; a boundary a boot does not have ("-": BIOS has no firmware PXE, the stand-in no
 * journal) folds its phase into the next one. Corral: its journal; the stand-in: its HTTP access
 * log; both: the console for what no server sees (initrd done, firmware DHCP for the stand-in).
 */
const PHASES: { mark: string; phase: string }[] = [
  { mark: 'firmware DHCP done', phase: 'firmware DHCP (PXE/HTTP boot)' },
  { mark: 'NBP loaded', phase: 'NBP over TFTP' },
  { mark: 'iPXE DHCP start', phase: 'NBP start, iPXE init' },
  { mark: 'iPXE DHCP done', phase: "iPXE's DHCP" },
  { mark: 'script served', phase: 'IPv6 wait, script' },
  { mark: 'kernel+initrd fetched', phase: 'kernel + initrd' },
  { mark: 'callback', phase: 'kernel boot, installer' },
  { mark: 'install OK', phase: 'callback to marker' },
];

/**
 * What only the console shows (times of the milestone poll, 50 ms): initrd done and the marker for
 * both; the firmware's address, the NBP starting and iPXE's DHCP starting for the stand-in.
 */
function consoleMarks(b: Boot): void {
  const m = b.milestones;
  const set = (mark: string, milestone: string | undefined) => {
    const v = milestone === undefined ? undefined : m.get(milestone);
    if (v !== undefined && !b.marks.has(mark)) b.marks.set(mark, v);
  };
  set('kernel+initrd fetched', 'kernel+initrd fetched');
  set('install OK', 'install OK');
  if (b.server !== 'standin') return;
  set('firmware DHCP done', 'firmware has an address');
  set('NBP loaded', 'NBP started');
  // BIOS: the firmware is iPXE (the NIC's ROM), its first DHCP ("Configuring (net0") is iPXE's.
  set('iPXE DHCP start', 'iPXE DHCP start');
}

/** The stand-in's HTTP access log for this boot, ms from power-on. */
function standinStages(lab: Lab, t0: number, marks: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  const f = join(lab.dir, 'standin-http.log');
  if (!existsSync(f)) return out;
  for (const line of readFileSync(f, 'utf8').split('\n')) {
    const [at, , method, path] = line.split(' ');
    if (!at || !path || method !== 'GET' || Date.parse(at) < t0) continue;
    const key = path.startsWith('/ipxe/') ? 'GET iPXE script' : path.startsWith('/install/') ? 'GET install script' : path.startsWith('/checkpoint/') ? `GET checkpoint ${path.split('/').pop()}` : `GET ${basename(path)}`;
    if (!out.has(key)) out.set(key, Date.parse(at) - t0);
  }
  if (out.has('GET iPXE script')) marks.set('script served', out.get('GET iPXE script')!);
  if (out.has('GET checkpoint 1')) marks.set('callback', out.get('GET checkpoint 1')!);
  return out;
}

// ---------------------------------------------------------------- auto mode

interface AutoResult {
  upS?: number;
  activeS?: Map<string, number>;
  allS?: number;
  why?: string;
}

async function autoMode(): Promise<AutoResult> {
  const name = `be${tag}a`;
  const t0 = Date.now();
  let lab: Lab | undefined;
  try {
    lab = await labUp(name, 'corral', ['--mode', 'auto', '--hosts', '3', '--uefi', '1']);
    const upS = (Date.now() - t0) / 1000;
    const hosts = ['lab-n1', 'lab-n2', 'lab-n3'];
    const l = lab;
    await waitFor('all 3 lab hosts active', async () => {
      const list = (await api(l, '/hosts?site=corral-lab')) as { id: string; lifecycle_state?: string }[];
      return hosts.every((h) => list.find((x) => x.id === h)?.lifecycle_state === 'active') ? true : undefined;
    }, 20 * 60_000, 1000);
    // When each became active, from its journal (the poll above only bounds it to a second).
    const activeS = new Map<string, number>();
    for (const h of hosts) {
      const ev = ((await api(l, `/hosts/${h}/events`)) as { at: string; data?: { new_state?: string } }[]).find((e) => e.data?.new_state === 'active');
      if (ev) activeS.set(h, (Date.parse(ev.at) - t0) / 1000);
    }
    if (activeS.size !== hosts.length) throw new Error(`no "active" event in the journal of ${hosts.filter((h) => !activeS.has(h)).join(', ')}`);
    return { upS, activeS, allS: Math.max(...activeS.values()) };
  } catch (e) {
    return { why: (e as Error).message };
  } finally {
    if (lab) await labDown(lab);
  }
}

// ---------------------------------------------------------------- report

const fmtMs = (v: number | undefined) => (v === undefined ? '-' : Math.round(v).toLocaleString('en-US'));
const pad = (s: string, n: number) => s.padStart(n);

/** Scenarios the stand-in cannot boot (UEFI HTTP boot) -> the stand-in scenario they are compared with. */
const baselines = new Map<string, string>();

function best(boots: Boot[], scenario: string, server: Server): Boot | undefined {
  if (server === 'standin') scenario = baselines.get(scenario) ?? scenario;
  const ok = boots.filter((b) => b.scenario === scenario && b.server === server && b.ok);
  return ok.sort((a, b) => a.ms! - b.ms!)[0];
}

function report(boots: Boot[], scenarios: string[], auto: AutoResult | undefined): void {
  const p = (s: string) => process.stdout.write(`${s}\n`);
  p('');
  p(`# boot: power-on (PXE) -> CORRAL-LAB-INSTALL-OK, ms (best of ${RUNS}; TCG guests; ratio = Corral / stand-in, below 1 = Corral faster)`);
  p(`${'scenario'.padEnd(14)} ${pad('stand-in', 10)} ${pad('Corral', 10)} ${pad('ratio', 7)}`);
  for (const s of scenarios) {
    const a = best(boots, s, 'standin');
    const b = best(boots, s, 'corral');
    const ratio = a && b ? (b.ms! / a.ms!).toFixed(2) : '-';
    p(`${s.padEnd(14)} ${pad(a ? fmtMs(a.ms) : 'FAIL', 10)} ${pad(b ? fmtMs(b.ms) : 'FAIL', 10)} ${pad(ratio, 7)}`);
  }
  if (RUNS > 1) {
    p('# every run, ms');
    for (const s of scenarios) {
      for (const srv of ['standin', 'corral'] as const) {
        const all = boots.filter((b) => b.scenario === s && b.server === srv).map((b) => (b.ok ? fmtMs(b.ms) : 'FAIL'));
        p(`${s.padEnd(14)} ${srv.padEnd(8)} ${all.join(' ')}`);
      }
    }
  }
  const w = 9;
  const head = (label: string) => {
    p(`${label.padEnd(26)}${scenarios.map((s) => pad(s, 2 * w + 1)).join(' ')}`);
    p(`${''.padEnd(26)}${scenarios.map(() => `${pad('stand-in', w)} ${pad('Corral', w)}`).join(' ')}`);
  };
  p('');
  p('# console milestones, ms after power-on (best run; "-" = not on this console)');
  head('milestone');
  for (const m of MILESTONES) {
    p(`${m.name.padEnd(26)}${scenarios.map((s) => `${pad(fmtMs(best(boots, s, 'standin')?.milestones.get(m.name)), w)} ${pad(fmtMs(best(boots, s, 'corral')?.milestones.get(m.name)), w)}`).join(' ')}`);
  }
  p('');
  p("# server side, ms after power-on (best run): Corral's journal (GET /v1/hosts/{id}/events)");
  const keys = (srv: Server) => {
    const k: string[] = [];
    for (const s of scenarios) for (const key of best(boots, s, srv)?.stages.keys() ?? []) if (!k.includes(key)) k.push(key);
    return k;
  };
  p(`${'event'.padEnd(30)}${scenarios.map((s) => pad(s, w + 4)).join(' ')}`);
  for (const k of keys('corral')) p(`${k.padEnd(30)}${scenarios.map((s) => pad(fmtMs(best(boots, s, 'corral')?.stages.get(k)), w + 4)).join(' ')}`);
  p("# and the stand-in's HTTP access log");
  p(`${'request'.padEnd(30)}${scenarios.map((s) => pad(s, w + 4)).join(' ')}`);
  for (const k of keys('standin')) p(`${k.padEnd(30)}${scenarios.map((s) => pad(fmtMs(best(boots, s, 'standin')?.stages.get(k)), w + 4)).join(' ')}`);
  p('');
  p('# boot phases, ms (best run; each from the previous boundary seen; "-": no such boundary, its time is in the next phase)');
  p('# Corral: its journal (dhcp events carry the boot stage: firmware pxe/http, ipxe); stand-in: HTTP access log and console');
  if (baselines.size) p(`# ${[...baselines].map(([s, b]) => `${s}: the stand-in column is its ${b} boot (dnsmasq answers PXE only)`).join('; ')}`);
  head('phase');
  const phases = (b: Boot | undefined): Map<string, number> => {
    const out = new Map<string, number>();
    if (!b) return out;
    let prev = 0;
    for (const { mark, phase } of PHASES) {
      const at = b.marks.get(mark);
      if (at === undefined || at < prev) continue;
      out.set(phase, at - prev);
      prev = at;
    }
    return out;
  };
  for (const { phase } of PHASES) {
    p(`${phase.padEnd(26)}${scenarios.map((s) => `${pad(fmtMs(phases(best(boots, s, 'standin')).get(phase)), w)} ${pad(fmtMs(phases(best(boots, s, 'corral')).get(phase)), w)}`).join(' ')}`);
  }
  const failed = boots.filter((b) => !b.ok);
  if (failed.length) {
    p('');
    p('# failed boots');
    for (const b of failed) p(`${b.scenario} ${b.server}: ${b.why}`);
  }
  if (auto) {
    p('');
    p('# lab up --mode auto --hosts 3 --uefi 1 (BMCs ipmi, redfish, ipmi; Corral powers and provisions every host)');
    if (auto.why) p(`failed: ${auto.why}`);
    else {
      p(`lab up returned after ${auto.upS!.toFixed(1)} s; all hosts active after ${auto.allS!.toFixed(1)} s`);
      p(`  ${[...auto.activeS!].map(([h, s]) => `${h} ${s.toFixed(1)} s`).join(', ')}`);
    }
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const modes: DhcpMode[] = opts.proxy ? ['server', 'proxy'] : ['server'];
  const boots: Boot[] = [];
  const scenarios: string[] = [];
  process.stderr.write(`boot-e2e: ${RUNS} run(s), DHCP ${modes.join(' + ')}; labs in ${work}\n`);
  for (const mode of modes) {
    const m = mode === 'server' ? 's' : 'p';
    const dhcpArgs = mode === 'proxy' ? ['--dhcp-mode', 'proxy'] : [];
    const common = ['--mode', 'on-demand', ...dhcpArgs];
    let labs: Lab[] = [];
    try {
      labs = await Promise.all([
        labUp(`be${tag}s${m}`, 'standin', [...common, '--hosts', '2', '--uefi', '1']),
        labUp(`be${tag}c${m}`, 'corral', [...common, '--hosts', '3', '--uefi', '2', '--uefi-http', '1']),
      ]);
      for (let r = 0; r < RUNS; r++) {
        for (const mach of MACHINES) {
          const scenario = `${mach.firmware}-${mode}`;
          if (!scenarios.includes(scenario)) scenarios.push(scenario);
          if (mach.baseline) baselines.set(scenario, `${mach.baseline}-${mode}`);
          // Alternate who goes first, so neither side always boots after the other's QEMU exit.
          const order = (r % 2 === 0 ? labs : [...labs].reverse()).filter((l) => mach.servers.includes(l.server));
          for (const lab of order) {
            if (stopping) return 130;
            const b = await bootOnce(lab, mach.name, scenario).catch((e: Error): Boot => ({ scenario, server: lab.server, ok: false, why: e.message, milestones: new Map(), stages: new Map(), marks: new Map() }));
            boots.push(b);
            process.stderr.write(`  ${scenario} ${lab.server.padEnd(7)} run ${r + 1}: ${b.ok ? `${fmtMs(b.ms)} ms` : `FAIL: ${b.why}`}\n`);
          }
        }
      }
    } catch (e) {
      process.stderr.write(`boot-e2e (${mode}): ${(e as Error).message}\n`);
    } finally {
      await Promise.all(labs.map((l) => labDown(l)));
      for (const l of [...upLabs]) await labDown(l);
    }
  }
  let auto: AutoResult | undefined;
  if (!opts['no-auto'] && !stopping) {
    process.stderr.write('boot-e2e: lab up --mode auto --hosts 3 --uefi 1\n');
    auto = await autoMode();
  }
  report(boots, scenarios, auto);
  return boots.some((b) => !b.ok) || auto?.why ? 1 : 0;
}

main()
  .then(async (code) => {
    await downAll();
    process.exit(code);
  })
  .catch(async (e) => {
    process.stderr.write(`boot-e2e: ${(e as Error).stack ?? e}\n`);
    await downAll();
    process.exit(1);
  });
