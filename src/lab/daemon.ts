// The lab daemon: runs inside the lab's network namespace and owns everything there — the
// bridge and taps, the QEMU machines, their BMCs (ipmi_sim, Corral's Redfish BMC), the site DHCP
// server in proxy mode, and the Corral appliance serving the lab. It reports its phase in
// <dir>/status.json and tears everything down on SIGTERM/SIGINT (or when Corral dies).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Server as NetServer } from 'node:net';
import { relayServer } from './relay.js';
import { pollUntil } from '../lib/poll.js';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { startControl } from './control.js';
import { startIpmiBmc } from './ipmi.js';
import { addSiteNamespace, addTap, deleteNamespace, setupBridge, waitLinkLocal } from './net.js';
import { QemuMachine } from './qemu.js';
import { startRedfishBmc, type RedfishBmc } from './redfish/index.js';
import { writeLabSot } from './sot.js';
import { LAB_INTERNAL_API_PORT, LAB_SITE, labUuid, type LabSpec } from './spec.js';
import { labPaths, writeStatus } from './state.js';
import { selfSignedCert } from './tls.js';
import { startStandin } from './standin.js';

type Log = (msg: string, fields?: Record<string, unknown>) => void;

export async function runLabDaemon(dir: string): Promise<void> {
  const spec = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8')) as LabSpec;
  const paths = labPaths(dir);
  const log: Log = (msg, fields) => process.stdout.write(`${new Date().toISOString()} ${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`);
  const children: ChildProcess[] = [];
  const servers: (Server | NetServer)[] = [];
  const bmcs: RedfishBmc[] = [];
  const machines = new Map<string, QemuMachine>();
  let corral: ChildProcess | undefined;
  let siteNs: string | undefined;
  let stopping = false;

  const shutdown = async (code: number, why: string) => {
    if (stopping) return;
    stopping = true;
    log('lab stopping', { why });
    if (corral && corral.exitCode === null) {
      corral.kill('SIGTERM');
      await exitWithin(corral, 10_000);
    }
    await Promise.all([...machines.values()].map((m) => m.powerOff().catch(() => undefined)));
    for (const b of bmcs) await b.close().catch(() => undefined);
    for (const s of servers) s.close();
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    if (siteNs) deleteNamespace(siteNs);
    writeStatus(dir, { phase: code === 0 ? 'stopped' : 'failed', message: why, pid: process.pid });
    process.exit(code);
  };
  process.on('SIGTERM', () => void shutdown(0, 'SIGTERM'));
  process.on('SIGINT', () => void shutdown(0, 'SIGINT'));

  try {
    writeStatus(dir, { phase: 'starting', message: 'building the lab network', pid: process.pid });
    setupBridge(spec.bridge, spec.serverIp);
    const bmcPassword = readFileSync(paths.bmcPassword, 'utf8').trim();
    writeLabSot(spec, paths.sot, bmcPassword);
    mkdirSync(join(paths.files, LAB_SITE), { recursive: true });
    for (const f of ['vmlinuz', 'initrd.img']) copyFileSync(join(spec.cacheDir, 'payload', f), join(paths.files, LAB_SITE, f));
    mkdirSync(paths.console, { recursive: true });

    for (const [i, m] of spec.machines.entries()) {
      const tap = `lab${i + 1}`;
      addTap(tap, spec.bridge);
      machines.set(m.name, new QemuMachine({ name: m.name, mac: m.mac, uuid: labUuid(spec.name, m.name), firmware: m.firmware, ...(m.netBoot && { netBoot: m.netBoot }), memoryMiB: m.memoryMiB, tap, dir: join(paths.machines, m.name), consoleLog: join(paths.console, `${m.name}.log`), accel: spec.accel, log }));
    }
    servers.push(await startControl(paths.control, { machines, consoleOf: (n) => join(paths.console, `${n}.log`), log }));

    writeStatus(dir, { phase: 'starting', message: 'starting the BMCs', pid: process.pid });
    const tls = spec.machines.some((m) => m.bmc === 'redfish') ? selfSignedCert(join(dir, 'tls')) : undefined;
    for (const m of spec.machines) {
      const machine = machines.get(m.name)!;
      if (m.bmc === 'ipmi') {
        const p = startIpmiBmc({ machine: m.name, port: m.bmcPort, username: spec.bmcUser, password: bmcPassword, dir: join(paths.machines, m.name, 'ipmi'), controlSocket: paths.control });
        children.push(p);
        p.once('exit', (c, s) => !stopping && log('ipmi_sim exited', { machine: m.name, code: c, signal: s }));
      } else {
        bmcs.push(await startRedfishBmc({ machine, host: '127.0.0.1', port: m.bmcPort, username: spec.bmcUser, password: bmcPassword, tls: tls!, log }));
      }
    }
    for (const m of spec.machines.filter((x) => x.bmc === 'ipmi')) await waitIpmi(m.bmcPort, spec.bmcUser, bmcPassword);

    if (spec.dhcpMode === 'proxy' && spec.siteDhcp) {
      siteNs = `${spec.name}-site`;
      children.push(startSiteDhcp(siteNs, addSiteNamespace(siteNs, spec.bridge, spec.serverIp), spec.serverIp, dir));
    }
    await waitLinkLocal(spec.bridge);

    if (spec.server === 'standin') {
      // The baseline a site could run instead of Corral (benches): no API, nothing to forward.
      const standin = await startStandin(spec, paths, log);
      children.push(...standin.children);
      for (const c of standin.children) c.once('exit', (code, signal) => void shutdown(stopping ? 0 : 1, `the stand-in's ${c.spawnfile} exited (${signal ?? code})`));
      servers.push(...standin.servers);
      writeStatus(dir, { phase: 'ready', message: `${machines.size} machines, stand-in server`, pid: process.pid });
      return;
    }
    writeStatus(dir, { phase: 'starting', message: 'starting Corral', pid: process.pid });
    corral = startCorral(spec, paths);
    corral.once('exit', (c, s) => void shutdown(stopping ? 0 : 1, `corral serve exited (${s ?? c}); see ${paths.corralLog}`));
    await waitApi(corral, 120_000);
    servers.push(await forwardUnixToTcp(paths.apiSocket, LAB_INTERNAL_API_PORT));
    writeStatus(dir, { phase: 'ready', message: `${machines.size} machines`, pid: process.pid });
    log('lab ready', { machines: [...machines.keys()] });
  } catch (e) {
    log('lab failed', { error: (e as Error).message });
    await shutdown(1, (e as Error).message);
  }
}

function startCorral(spec: LabSpec, paths: ReturnType<typeof labPaths>): ChildProcess {
  const [cmd, ...pre] = spec.corral;
  const args = [...pre, 'serve', '--sot', paths.sot, '--data', paths.data, '--listen', `127.0.0.1:${LAB_INTERNAL_API_PORT}`,
    '--interface', spec.bridge, '--address', spec.serverIp, '--http-port', '8080', '--assets', paths.files,
    '--console-dir', paths.console, '--log-format', 'json', ...(spec.serveArgs ?? [])];
  const out = openSync(paths.corralLog, 'a');
  const p = spawn(cmd!, args, { stdio: ['ignore', out, out], env: labCorralEnv(spec) });
  closeSync(out);
  return p;
}

/** Corral's environment in the lab: qemu pool VMs (src/pools/qemu) run with the lab's --accel, as its machines do. */
export function labCorralEnv(spec: Pick<LabSpec, 'accel'>, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, CORRAL_QEMU_ACCEL: spec.accel };
}

async function waitApi(corral: ChildProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (corral.exitCode !== null) throw new Error('corral serve exited while starting');
    try {
      const r = await fetch(`http://127.0.0.1:${LAB_INTERNAL_API_PORT}/v1/services`, { signal: AbortSignal.timeout(2000) });
      const s = (await r.json()) as { dhcp?: { state?: string } };
      if (s.dhcp?.state === 'running') return;
      if (s.dhcp?.state === 'failed') throw new Error(`Corral's DHCP service failed: ${JSON.stringify(s.dhcp)}`);
    } catch (e) {
      if ((e as Error).message.startsWith('Corral')) throw e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Corral's API did not answer within ${ms / 1000} s`);
}

/**
 * ipmi_sim is up when real ipmitool gets a power status through it (bounded). Asynchronous on
 * purpose: ipmi_sim's chassis program calls back into this process's control socket.
 */
async function waitIpmi(port: number, user: string, pass: string): Promise<void> {
  const answers = () =>
    new Promise<boolean>((resolve) => {
      const p = spawn('ipmitool', ['-I', 'lanplus', '-C', '3', '-N', '1', '-R', '1', '-H', '127.0.0.1', '-p', String(port), '-U', user, '-E', 'chassis', 'power', 'status'], { env: { ...process.env, IPMI_PASSWORD: pass }, stdio: 'ignore' });
      const t = setTimeout(() => p.kill('SIGKILL'), 5000);
      p.once('exit', (code) => {
        clearTimeout(t);
        resolve(code === 0);
      });
      p.once('error', () => resolve(false));
    });
  await pollUntil(`ipmi_sim on 127.0.0.1:${port} to answer ipmitool`, async () => ((await answers()) ? true : undefined), 15_000, 200);
}

function startSiteDhcp(siteNs: string, siteIp: string, serverIp: string, dir: string): ChildProcess {
  const prefix = serverIp.split('.').slice(0, 3).join('.');
  const conf = join(dir, 'site-dnsmasq.conf');
  // The site's own DHCP server: addresses only, no boot options (Corral is the proxy).
  writeFileSync(conf, [`port=0`, `interface=eth0`, `bind-interfaces`, `listen-address=${siteIp}`, `dhcp-range=${prefix}.150,${prefix}.199,255.255.255.0,1h`,
    `dhcp-leasefile=${join(dir, 'site-dnsmasq.leases')}`, `dhcp-authoritative`, `log-dhcp`, ''].join('\n'));
  const out = openSync(join(dir, 'site-dnsmasq.log'), 'a');
  const p = spawn('ip', ['netns', 'exec', siteNs, 'dnsmasq', '--keep-in-foreground', `--conf-file=${conf}`], { stdio: ['ignore', out, out] });
  closeSync(out);
  return p;
}

/** <dir>/api.sock -> the appliance's API on the namespace's loopback (the host side forwards TCP here). */
function forwardUnixToTcp(path: string, port: number): Promise<NetServer> {
  const server = relayServer(() => connect(port, '127.0.0.1'));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve(server));
  });
}

function exitWithin(p: ChildProcess, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      resolve();
    }, ms);
    p.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}
