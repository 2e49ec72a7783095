// The lab's baseline server (for benches): what a site could run instead of Corral — dnsmasq
// for DHCP (or proxyDHCP) and TFTP with the usual iPXE chainloading configuration, and a static
// HTTP server for the per-machine iPXE scripts, the installer payload and the install scripts.
// It serves the same boot as Corral's lab site (same kernel, initramfs, command line and disk
// write) so a VM reaches the same CORRAL-LAB-INSTALL-OK marker, and boot times compare.
// What it does not do is what Corral adds: no IPv6 router advertisement, no journal, no API;
// the checkpoint URLs are static files that answer 200.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, createReadStream, createWriteStream, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, normalize, sep } from 'node:path';
import { packageRoot } from '../lib/package-root.js';
import { LAB_SITE, type LabMachineSpec, type LabSpec } from './spec.js';
import type { labPaths } from './state.js';
import { labInstallScript } from './sot.js';

export interface Standin {
  children: ChildProcess[];
  servers: Server[];
}

type Log = (m: string, f?: Record<string, unknown>) => void;

const HTTP_PORT = 8080;
/** The iPXE binaries chainloaded over TFTP: BIOS PXE ROMs get undionly.kpxe, UEFI snponly.efi. */
const NBPS = ['undionly.kpxe', 'snponly.efi'];
/** The boot id Corral's lab site names its install boot; the disk record carries it. */
const BOOT_ID = `${LAB_SITE}-install`;

export function standinPaths(dir: string) {
  const root = join(dir, 'standin');
  return { root, tftp: join(root, 'tftp'), http: join(root, 'http'), conf: join(root, 'dnsmasq.conf'), leases: join(root, 'dnsmasq.leases'), pid: join(root, 'dnsmasq.pid'), dnsmasqLog: join(dir, 'standin-dnsmasq.log'), httpLog: join(dir, 'standin-http.log') };
}

export async function startStandin(spec: LabSpec, _paths: ReturnType<typeof labPaths>, log: Log): Promise<Standin> {
  const sp = standinPaths(spec.dir);
  const base = `http://${spec.serverIp}:${HTTP_PORT}`;
  const listed = spec.machines.filter((m) => m.listed);
  rmSync(sp.root, { recursive: true, force: true });
  mkdirSync(sp.tftp, { recursive: true });

  const pxe = join(packageRoot(), 'pxe');
  for (const f of NBPS) {
    if (!existsSync(join(pxe, f))) throw new Error(`the stand-in needs ${join(pxe, f)} (npm run setup:pxe)`);
    copyFileSync(join(pxe, f), join(sp.tftp, f));
  }
  const files = join(sp.http, 'files', LAB_SITE);
  mkdirSync(files, { recursive: true });
  for (const f of ['vmlinuz', 'initrd.img']) copyFileSync(join(spec.cacheDir, 'payload', f), join(files, f));
  for (const m of listed) {
    writeHttp(sp.http, `ipxe/${m.name}.ipxe`, ipxeScript(m, base));
    writeHttp(sp.http, `install/${m.name}.sh`, installScript(m, base));
    for (const n of [1, 2]) writeHttp(sp.http, `checkpoint/${m.name}/${n}`, 'ok\n');
  }

  const children: ChildProcess[] = [];
  const servers: Server[] = [];
  try {
    // The HTTP server first: a machine may DHCP as soon as dnsmasq answers.
    servers.push(await startStaticHttp(sp.http, spec.serverIp, sp.httpLog));
    writeFileSync(sp.conf, dnsmasqConf(spec, listed, base, sp));
    children.push(await startDnsmasq(sp.conf, sp.dnsmasqLog, log));
  } catch (e) {
    for (const s of servers) s.close();
    for (const c of children) c.kill('SIGKILL');
    throw e;
  }
  log('stand-in ready', { dhcp: spec.dhcpMode, http: base, machines: listed.map((m) => m.name) });
  return { children, servers };
}

function writeHttp(root: string, rel: string, text: string): void {
  const f = join(root, rel);
  mkdirSync(join(f, '..'), { recursive: true });
  writeFileSync(f, text);
}

/**
 * The usual dnsmasq PXE setup (dnsmasq(8), "--dhcp-boot", "--pxe-service", "--dhcp-userclass",
 * "--dhcp-match"): firmware PXE clients get an iPXE binary by TFTP (client architecture, RFC 4578
 * option 93: 7 and 9 are x86-64 UEFI), iPXE itself (user class "iPXE", RFC 3004 option 77) gets
 * its machine's script over HTTP. Only the listed MACs are answered (dhcp-host entries, static
 * range, dhcp-ignore of unknown clients).
 */
export function dnsmasqConf(spec: LabSpec, listed: LabMachineSpec[], base: string, sp: ReturnType<typeof standinPaths>): string {
  const l: string[] = ['# Written by corral lab: the stand-in DHCP/TFTP server.'];
  // No DNS (port=0); only the lab bridge, and only its address, so nothing else on the host is touched.
  l.push('port=0', `interface=${spec.bridge}`, 'bind-interfaces', 'log-dhcp', 'log-facility=-', `pid-file=${sp.pid}`, `dhcp-leasefile=${sp.leases}`);
  // The lab folder is private to its owner (0700); dnsmasq reads TFTP files after dropping to
  // "nobody" by default and could not reach them, so it keeps the lab's user.
  l.push('user=root');
  l.push('enable-tftp', `tftp-root=${sp.tftp}`);
  // dnsmasq probes a new dynamic address with ICMP for up to 3 s before offering it; Corral does not.
  l.push('no-ping');
  l.push('dhcp-userclass=set:ipxe,iPXE', 'dhcp-match=set:efi64,option:client-arch,7', 'dhcp-match=set:efi64,option:client-arch,9');
  l.push('dhcp-ignore=tag:!known');
  const prefix = spec.serverIp.split('.').slice(0, 3).join('.');
  const tag = (m: LabMachineSpec) => `m${m.mac.replace(/:/g, '')}`;
  if (spec.dhcpMode === 'server') {
    // "static": addresses only from dhcp-host lines; an unknown MAC gets no offer.
    l.push(`dhcp-range=${prefix}.0,static,255.255.255.0,1h`, 'dhcp-authoritative');
    for (const m of listed) l.push(`dhcp-host=${m.mac},set:${tag(m)},${m.ip},${m.name}`);
    for (const m of listed) l.push(`dhcp-boot=tag:ipxe,tag:${tag(m)},${base}/ipxe/${m.name}.ipxe`);
    l.push('dhcp-boot=tag:!ipxe,tag:efi64,snponly.efi', 'dhcp-boot=tag:!ipxe,tag:!efi64,undionly.kpxe');
  } else {
    // proxyDHCP (PXE spec 2.1; dnsmasq "proxy" range): the site's server leases the address,
    // this one adds the boot information. A zero-second menu boots its single entry at once.
    l.push(`dhcp-range=${spec.serverIp},proxy,255.255.255.0`, 'pxe-prompt="Corral stand-in",0');
    for (const m of listed) l.push(`dhcp-host=${m.mac},set:${tag(m)}`);
    l.push('pxe-service=tag:!ipxe,x86PC,"chainload iPXE",undionly.kpxe', 'pxe-service=tag:!ipxe,X86-64_EFI,"chainload iPXE",snponly.efi', 'pxe-service=tag:!ipxe,BC_EFI,"chainload iPXE",snponly.efi');
    for (const m of listed) {
      const url = `${base}/ipxe/${m.name}.ipxe`;
      l.push(`dhcp-boot=tag:ipxe,tag:${tag(m)},${url}`);
      for (const csa of ['x86PC', 'X86-64_EFI', 'BC_EFI']) l.push(`pxe-service=tag:ipxe,tag:${tag(m)},${csa},"iPXE script",${url}`);
    }
  }
  return `${l.join('\n')}\n`;
}

/** The same script shape as Corral's default host template (pxe/host.ipxe.tpl) renders for the lab. */
function ipxeScript(m: LabMachineSpec, base: string): string {
  const kernel = `${base}/files/${LAB_SITE}/vmlinuz`;
  const initrd = `${base}/files/${LAB_SITE}/initrd.img`;
  // The EFI stub loads the initrd by name from the command line; harmless on BIOS.
  const cmdline = ['console=ttyS0,115200', 'quiet', 'panic=5', `corral.config=${base}/install/${m.name}.sh`, 'corral.mac=${netX/mac}', 'initrd=initrd.img'];
  return `#!ipxe
echo Stand-in: ${m.name} boot ${BOOT_ID} (Corral lab installer) mac \${netX/mac} ip \${netX/ip} platform \${platform}
kernel ${kernel} ${cmdline.join(' ')}
initrd ${initrd}
echo Stand-in: kernel and initrd fetched, booting
boot
`;
}

/** What Corral renders from the lab SoT's install script (src/lab/sot.ts), with static checkpoint URLs. */
function installScript(m: LabMachineSpec, base: string): string {
  return labInstallScript({ host: m.name, os: 'Corral lab installer', boot: BOOT_ID, checkpoint: (n) => `${base}/checkpoint/${m.name}/${n}` });
}

/** GET/HEAD of the files under `root`, nothing else; one access-log line per request. */
function startStaticHttp(root: string, host: string, logFile: string): Promise<Server> {
  const access = createWriteStream(logFile, { flags: 'a' });
  const server = createServer((req, res) => {
    const t0 = Date.now();
    const done = (status: number, bytes: number) => access.write(`${new Date(t0).toISOString()} ${req.socket.remoteAddress ?? '-'} ${req.method} ${req.url} ${status} ${bytes} ${Date.now() - t0}ms\n`);
    const fail = (status: number) => {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(`${status}\n`);
      done(status, 0);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405);
    let rel: string;
    try {
      rel = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://standin').pathname));
    } catch {
      return fail(400);
    }
    const file = join(root, rel);
    if (!file.startsWith(root + sep)) return fail(404);
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) return fail(404);
      size = st.size;
    } catch {
      return fail(404);
    }
    res.writeHead(200, { 'content-type': file.endsWith('.ipxe') || file.endsWith('.sh') ? 'text/plain' : 'application/octet-stream', 'content-length': size });
    if (req.method === 'HEAD') {
      res.end();
      return done(200, 0);
    }
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    res.on('finish', () => done(200, size));
    res.on('close', () => stream.destroy());
    stream.pipe(res);
  });
  server.on('close', () => access.end());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(HTTP_PORT, host, () => resolve(server));
  });
}

/** dnsmasq in the foreground, logging into the lab folder; ready once it reports its TFTP root. */
async function startDnsmasq(conf: string, logFile: string, log: Log): Promise<ChildProcess> {
  const out = openSync(logFile, 'a');
  const from = statSync(logFile).size;
  const p = spawn('dnsmasq', ['--keep-in-foreground', `--conf-file=${conf}`], { stdio: ['ignore', out, out] });
  closeSync(out);
  let spawnError: string | undefined;
  p.once('exit', (code, signal) => log('stand-in dnsmasq exited', { code, signal }));
  p.once('error', (e) => (spawnError = String(e)));
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (spawnError) throw new Error(`cannot run dnsmasq (apt-get install dnsmasq): ${spawnError}`);
    if (p.exitCode !== null || p.signalCode !== null) throw new Error(`dnsmasq exited at start: ${tailOf(logFile)}`);
    if (readFileSync(logFile, 'utf8').slice(from).includes('TFTP root is')) return p;
    await new Promise((r) => setTimeout(r, 50));
  }
  p.kill('SIGKILL');
  throw new Error(`dnsmasq did not start within 10 s: ${tailOf(logFile)}`);
}

function tailOf(f: string): string {
  try {
    return readFileSync(f, 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return '(no log)';
  }
}
