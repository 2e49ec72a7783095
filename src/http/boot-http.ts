// The boot HTTP service: what PXE-booting machines fetch. Unauthenticated and read-only (but for
// checkpoints), separate from the operator API. Every step is reported to the lifecycle.
//   GET /boot.ipxe                       chain script for iPXE clients sent here by another DHCP server
//   GET /ipxe/<mac>, /ipxe?mac=<mac>     the host's iPXE script (or "exit" for hosts Corral must not boot)
//   GET /config/<mac>[?boot=<id>]        the host's rendered unattended file
//   GET /files/<path>                    boot assets (kernels, initrds, images), Range supported
//   GET /ipxe-bin/<file>                 iPXE binaries, for UEFI HTTP boot
//   GET|POST /checkpoint/<mac>/<boot>[/<n>]  installer callbacks
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Host, HostRuntime, Mac, Sot, Workflow } from '../model/index.js';
import { isApplianceError } from '../model/index.js';
import type { Logger } from '../lib/log.js';
import { discoveredHostId, parseMac } from '../lib/mac.js';
import type { LiveSot } from '../sot/live.js';
import type { Store } from '../store/store.js';
import type { Lifecycle } from '../lifecycle/runner.js';
import { renderExitScript, renderIpxe, renderUnattended, workflowOf } from '../render/render.js';
import { safePath, sendText, serveFile, type ServeResult } from './static-file.js';
import { decideScript } from './policy.js';
import { discoveryTarget } from './discovery.js';
import type { ClientMap } from '../boot/client-map.js';

export interface BootHttpDeps {
  sot: LiveSot;
  store: Store;
  lifecycle: Lifecycle;
  log: Logger;
  /** Root of /files/ (boot assets). */
  assetsDir?: string;
  /** Root of /ipxe-bin/ (Debian: /usr/lib/ipxe). */
  ipxeDir?: string;
  /** Base URL machines of a site use for this service. */
  baseUrl: (siteId: string, req: IncomingMessage) => string;
  clients: ClientMap;
}

export interface BootHttpStats {
  requests: number;
  scripts: number;
  exits: number;
  files: number;
  bytes: number;
  errors: number;
}

const TEXT = 'text/plain; charset=utf-8';

export function createBootHttp(deps: BootHttpDeps) {
  const stats: BootHttpStats = { requests: 0, scripts: 0, exits: 0, files: 0, bytes: 0, errors: 0 };

  const clientIp = (req: IncomingMessage) => (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  const lookup = (macText: string | undefined): { sot: Sot; host: Host; mac: Mac } | undefined => {
    const sot = deps.sot.current();
    const mac = macText ? parseMac(macText) : undefined;
    if (!sot || !mac) return undefined;
    const hit = deps.sot.index().hostsByMac.get(mac);
    return hit ? { sot, host: hit.host, mac } : undefined;
  };
  const report = (hostId: string, ev: Parameters<Lifecycle['report']>[1], data?: Record<string, unknown>) => {
    deps.lifecycle.report(hostId, ev, data).catch((e) => {
      if (!isApplianceError(e) || e.code !== 'ILLEGAL_TRANSITION') deps.log.warn('boot event not recorded', { host: hostId, event: ev.type, error: String(e) });
    });
  };

  async function script(req: IncomingMessage, res: ServerResponse, macText: string | undefined): Promise<ServeResult> {
    const hit = lookup(macText);
    if (!hit) return unknownScript(req, res, macText);
    const { sot, host, mac } = hit;
    const rt = deps.store.get('hosts', host.id);
    const workflow = runningWorkflow(sot, host, rt);
    const site = sot.sites.find((x) => x.id === host.siteId);
    const decision = decideScript(host, rt, workflow, site?.mode ?? 'on-demand');
    if (decision.kind === 'exit') {
      stats.exits++;
      void deps.lifecycle.note(host.id, 'ipxe.exit', { reason: decision.reason, ip: clientIp(req) });
      return sendText(res, 200, renderExitScript(`${host.name}: ${decision.reason}`), TEXT);
    }
    if (decision.startProvisioning && workflow) {
      await deps.lifecycle
        .report(host.id, { type: 'provision.requested', workflow: workflow.id, boots: workflow.boots.length, checkpoints: checkpointsOf(sot, workflow.boots), alreadyBooting: true, reason: 'machine network-booted' })
        .catch(() => undefined);
    }
    const iface = host.interfaces.find((i) => i.mac === mac);
    const bootIndex = deps.store.get('hosts', host.id)?.bootIndex ?? 0;
    const text = renderIpxe(sot, { host, ...(iface && { iface }), ...(workflow && { workflow }), bootIndex }, { base: deps.baseUrl(host.siteId, req) });
    deps.clients.observe(clientIp(req), host.id);
    stats.scripts++;
    report(host.id, { type: 'ipxe.served' }, { ip: clientIp(req), boot: workflow?.boots[bootIndex] ?? null });
    return sendText(res, 200, text, TEXT);
  }

  /** Unknown MAC: its site's discovery workflow if DHCP discovered it there, else "exit". */
  function unknownScript(req: IncomingMessage, res: ServerResponse, macText: string | undefined): ServeResult {
    const sot = deps.sot.current();
    const mac = macText ? parseMac(macText) : undefined;
    const found = sot && mac ? discoveryTarget(sot, deps.store.get('hosts', discoveredHostId(mac)), mac) : undefined;
    if (!sot || !mac || !found) {
      stats.exits++;
      return sendText(res, 200, renderExitScript(macText ? `${macText} is not a host of this appliance` : 'no MAC given'), TEXT);
    }
    const text = renderIpxe(sot, { host: found.host, workflow: found.workflow, bootIndex: 0 }, { base: deps.baseUrl(found.host.siteId, req) });
    deps.clients.observe(clientIp(req), found.host.id);
    stats.scripts++;
    void deps.lifecycle.note(found.host.id, 'ipxe.served', { ip: clientIp(req), workflow: found.workflow.id, discovery: true });
    return sendText(res, 200, text, TEXT);
  }

  async function config(req: IncomingMessage, res: ServerResponse, macText: string, bootId: string | null): Promise<ServeResult> {
    const hit = lookup(macText);
    if (!hit) return sendText(res, 404, `unknown host ${macText}\n`);
    const { sot, host, mac } = hit;
    const rt = deps.store.get('hosts', host.id);
    const workflow = runningWorkflow(sot, host, rt);
    const bootIndex = bootId !== null ? (workflow?.boots.indexOf(bootId) ?? -1) : (rt?.bootIndex ?? 0);
    if (bootIndex < 0) return sendText(res, 404, `boot ${bootId} is not in ${host.name}'s workflow\n`);
    const iface = host.interfaces.find((i) => i.mac === mac);
    const out = renderUnattended(sot, { host, ...(iface && { iface }), ...(workflow && { workflow }), bootIndex }, { base: deps.baseUrl(host.siteId, req) });
    deps.clients.observe(clientIp(req), host.id);
    report(host.id, { type: 'unattended.served', kind: out.type }, { ip: clientIp(req) });
    return sendText(res, 200, out.text, out.type === 'ignition' ? 'application/json' : TEXT);
  }

  async function checkpoint(req: IncomingMessage, res: ServerResponse, parts: string[], query: URLSearchParams): Promise<ServeResult> {
    const [macText, bootId, n] = parts;
    const hit = lookup(macText);
    if (!hit || !bootId) return sendText(res, 404, 'unknown host or boot\n');
    const num = n !== undefined && /^\d+$/.test(n) ? Number(n) : undefined;
    const data: Record<string, unknown> = { ip: clientIp(req) };
    for (const [k, v] of query) if (k.length < 32 && v.length < 256) data[`q_${k}`] = v;
    // Acknowledged only once durable: an installer that got its 200 must never be lost.
    try {
      await deps.lifecycle.report(hit.host.id, { type: 'checkpoint', boot: bootId, ...(num !== undefined && { n: num }) }, data);
    } catch (e) {
      if (!isApplianceError(e) || e.code !== 'ILLEGAL_TRANSITION') return sendText(res, 503, 'checkpoint not recorded; retry\n');
    }
    return sendText(res, 200, 'ok\n');
  }

  async function files(req: IncomingMessage, res: ServerResponse, rel: string, root: string | undefined, kind: string): Promise<ServeResult> {
    const path = root ? await safePath(root, rel) : undefined;
    if (!path) return sendText(res, 404, 'not found\n');
    const r = await serveFile(req, res, path);
    stats.files++;
    stats.bytes += r.bytes;
    const hostId = deps.clients.hostFor(clientIp(req));
    if (hostId && r.status < 300 && req.method === 'GET') {
      const isKernel = /(vmlinuz|linux|kernel|bzimage)/i.test(rel) && kind === 'files';
      if (isKernel) report(hostId, { type: 'kernel.fetched', url: `/${kind}/${rel}` });
      else void deps.lifecycle.note(hostId, 'file.fetched', { path: `/${kind}/${rel}`, bytes: r.bytes });
    }
    return r;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<ServeResult> {
    const url = new URL(req.url ?? '/', 'http://boot.invalid');
    const path = url.pathname;
    let parts: string[];
    try {
      // Clients percent-encode (iPXE writes ':' as %3A); "/" inside a segment stays refused.
      parts = path.split('/').filter(Boolean).map((p) => decodeURIComponent(p));
    } catch {
      return sendText(res, 400, 'bad URL encoding\n');
    }
    if (parts.some((p) => p.includes('/') || p.includes('\0'))) return sendText(res, 404, 'not found\n');
    const isGet = req.method === 'GET' || req.method === 'HEAD';
    if (parts[0] === 'checkpoint' && (isGet || req.method === 'POST')) return checkpoint(req, res, parts.slice(1), url.searchParams);
    if (!isGet) return sendText(res, 405, 'read-only service\n');
    if (path === '/boot.ipxe') {
      const base = `http://${req.headers.host ?? 'localhost'}`;
      return sendText(res, 200, `#!ipxe\nchain ${base}/ipxe?mac=\${netX/mac}\n`, TEXT);
    }
    if (parts[0] === 'ipxe' && parts.length <= 2) return script(req, res, parts[1] ?? url.searchParams.get('mac') ?? undefined);
    if (parts[0] === 'config' && parts.length === 2) return config(req, res, parts[1]!, url.searchParams.get('boot'));
    if (parts[0] === 'files' && parts.length > 1) return files(req, res, parts.slice(1).join('/'), deps.assetsDir, 'files');
    if (parts[0] === 'ipxe-bin' && parts.length === 2) return files(req, res, parts[1]!, deps.ipxeDir, 'ipxe-bin');
    return sendText(res, 404, 'not found\n');
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    stats.requests++;
    route(req, res).catch((e: unknown) => {
      stats.errors++;
      deps.log.warn('boot HTTP request failed', { url: req.url, error: String((e as Error)?.message ?? e) });
      if (!res.headersSent) sendText(res, isApplianceError(e) && e.code === 'NOT_FOUND' ? 404 : 500, `error: ${(e as Error).message}\n`);
      else res.destroy();
    });
  };
  return { handler, stats: () => ({ ...stats }) };
}

/** The workflow a host is running (a reclaim runs the wipe workflow), else the SoT's. */
function runningWorkflow(sot: Sot, host: Host, rt: HostRuntime | undefined): Workflow | undefined {
  if ((rt?.state === 'provisioning' || rt?.state === 'reclaiming') && rt.workflow) {
    const wf = sot.workflows.find((w) => w.id === rt.workflow);
    if (wf) return wf;
  }
  return workflowOf(sot, host);
}

function checkpointsOf(sot: Sot, boots: string[]): number[] {
  return boots.map((b) => sot.boots.find((x) => x.id === b)?.checkpoints ?? 1);
}
