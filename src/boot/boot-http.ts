// The boot HTTP service: what PXE-booting machines fetch, separate from the operator API. Every
// step is reported to the lifecycle.
//   GET /boot.ipxe                                 chain script for iPXE clients sent here by another DHCP server
//   GET /ipxe/<mac>, /ipxe?mac=<mac>               the host's iPXE script (or "exit" for hosts Corral must not boot)
//   GET /config/<secret>/<mac>[?boot=<id>]         the host's rendered unattended file
//   GET|POST /checkpoint/<secret>/<mac>/<boot>[/<n>]  installer callbacks (clients may append a query)
//   GET /files/<path>                              boot assets (kernels, initrds, images), Range supported
//   GET /ipxe-bin/<file>                           iPXE binaries, for UEFI HTTP boot
// <secret> is the host's per-attempt callback secret (callback-secret.ts). The iPXE script, which
// firmware fetches knowing only its MAC, is the root of trust and carries the secret only while
// the host is provisioning or reclaiming (or boots a discovery workflow); /config and /checkpoint
// are refused without it (callbacks.ts, docs/boot.md "Callback authentication"). Nothing a
// request says about this server (its Host header) is copied into what is rendered: URLs come
// from the configured boot URL only.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Host, Mac, Sot } from '../model/index.js';
import { isApplianceError } from '../model/index.js';
import { systemClock, type Clock } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import { discoveredHostId, parseMac } from '../lib/mac.js';
import type { LiveSot } from '../sot/live.js';
import type { Store } from '../store/store.js';
import type { Lifecycle } from '../lifecycle/runner.js';
import type { CheckpointRefusal } from '../lifecycle/machine.js';
import { createOrchestrator, type Orchestrator } from '../lifecycle/orchestrator.js';
import { renderExitScript, renderIpxe, renderServedUnattended, runningWorkflow } from '../render/render.js';
import { safePath, sendText, serveFile, type ServeResult } from '../http/static-file.js';
import { decideScript, renderWaitScript, scriptText, WAIT_ROUNDS, waitRound } from './policy.js';
import { discoveryTarget } from './discovery.js';
import type { CallbackSecrets } from './callback-secret.js';
import {
  REFUSAL_STATUS,
  REFUSAL_TEXT,
  callbackData,
  checkpointVerdict,
  configVerdict,
  createRefusalLog,
  currentSecret,
  identifyCaller,
  isRefusal,
  redactPath,
  type Refusal,
  type RefusalReason,
} from './callbacks.js';
import type { ClientMap } from './client-map.js';

export interface BootHttpDeps {
  sot: LiveSot;
  store: Store;
  lifecycle: Lifecycle;
  log: Logger;
  /** Derives and checks the per-host, per-attempt callback secrets. */
  secrets: CallbackSecrets;
  /** For the refusal log's rate limit; default the system clock. */
  clock?: Clock;
  /** Root of /files/ (boot assets). */
  assetsDir?: string | (() => string | undefined);
  /** Root of /ipxe-bin/ (Debian: /usr/lib/ipxe). */
  ipxeDir?: string | (() => string | undefined);
  /** Base URL machines (of a site, when known) use for this service: configuration, never the request. */
  baseUrl: (siteId?: string) => string;
  clients: ClientMap;
  /**
   * Decides whether a network-booting host starts provisioning (the appliance's one owner of
   * that decision). Absent (a boot service on its own, as in tests): one is made over the same
   * SoT, store and lifecycle, with the same rules and no queue of API requests.
   */
  orchestrator?: Orchestrator;
}

export interface BootHttpStats {
  requests: number;
  scripts: number;
  exits: number;
  /** Wait scripts served to hosts a rollout limit holds (each ask again counts). */
  waits: number;
  /** Unattended files served (to callers with the current secret). */
  configs: number;
  /** Checkpoints accepted and journalled. */
  checkpoints: number;
  /** Checkpoints already counted, acknowledged again (installers retry) and not journalled. */
  checkpointRepeats: number;
  /** Callbacks (/checkpoint, /config) refused, by reason; none is journalled. */
  refused: Record<RefusalReason, number>;
  files: number;
  bytes: number;
  /**
   * Files (other than the kernel) fetched by a known host: counted here, not journalled — the
   * lifecycle needs the kernel fetch (a stage change), and a boot storm would otherwise write a
   * journal entry per initrd, image and ISO chunk.
   */
  hostFiles: number;
  errors: number;
}

const TEXT = 'text/plain; charset=utf-8';

/** A served folder given as a path, or read at each request (it may follow the SoT). */
const folder = (f: string | (() => string | undefined) | undefined): string | undefined => (typeof f === 'function' ? f() : f);

export function createBootHttp(deps: BootHttpDeps) {
  const stats: BootHttpStats = {
    requests: 0,
    scripts: 0,
    exits: 0,
    waits: 0,
    configs: 0,
    checkpoints: 0,
    checkpointRepeats: 0,
    refused: { missing_secret: 0, bad_secret: 0, stale_secret: 0, unknown_host: 0, wrong_boot: 0, out_of_sequence: 0, not_busy: 0 },
    files: 0,
    bytes: 0,
    hostFiles: 0,
    errors: 0,
  };
  const clock = deps.clock ?? systemClock;
  const orchestrator = deps.orchestrator ?? createOrchestrator({ sot: deps.sot, store: deps.store, lifecycle: deps.lifecycle, clock, log: deps.log });
  const logRefusal = createRefusalLog(deps.log, () => clock.now());

  // Behind Corral's own nginx (--asset-server, boot/assets-nginx.ts) requests arrive over a unix
  // socket only nginx can reach (no TCP peer), with the client's address in X-Real-IP.
  const clientIp = (req: IncomingMessage) => {
    const peer = req.socket.remoteAddress ?? (typeof req.headers['x-real-ip'] === 'string' ? req.headers['x-real-ip'] : '');
    return peer.replace(/^::ffff:/, '');
  };
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
  /** Answers a refused callback: counted, logged (rate-limited, never the secret), not journalled. */
  const refuse = (req: IncomingMessage, res: ServerResponse, r: Refusal, route: string): ServeResult => {
    stats.refused[r.refused]++;
    const ip = clientIp(req);
    logRefusal(r.hostId ?? `ip:${ip}`, { route, reason: r.refused, ip, ...(r.hostId && { host: r.hostId }) });
    return sendText(res, REFUSAL_STATUS[r.refused], REFUSAL_TEXT[r.refused]);
  };

  /** `round`: how many times the host already waited for a rollout limit (policy.ts). */
  async function script(req: IncomingMessage, res: ServerResponse, macText: string | undefined, round: number): Promise<ServeResult> {
    const hit = lookup(macText);
    if (!hit) return unknownScript(req, res, macText);
    const { sot, host, mac } = hit;
    // Whether a run starts is the orchestrator's decision, with every rollout rule; this serves its answer.
    const decision = decideScript(await orchestrator.networkBooted(host.id, { lastAsk: round >= WAIT_ROUNDS }), round);
    if (decision.kind === 'exit') {
      stats.exits++;
      void deps.lifecycle.note(host.id, 'ipxe.exit', { reason: decision.reason, ip: clientIp(req) });
      return sendText(res, 200, renderExitScript(`${host.name}: ${scriptText(decision.reason)}`), TEXT);
    }
    if (decision.kind === 'wait') {
      stats.waits++;
      // Journalled at a boot's first ask only: a waiting host asks again every WAIT_SECONDS.
      if (decision.round === 1) void deps.lifecycle.note(host.id, 'ipxe.wait', { reason: decision.reason, ip: clientIp(req) });
      return sendText(res, 200, renderWaitScript(host.name, decision, `${deps.baseUrl(host.siteId)}/ipxe/${mac}`), TEXT);
    }
    // In a run (started now, or already): the script of its current boot.
    const rt = deps.store.get('hosts', host.id);
    const workflow = runningWorkflow(sot, host, rt);
    const iface = host.interfaces.find((i) => i.mac === mac);
    const bootIndex = rt?.bootIndex ?? 0;
    // A secret only for a host in a run: a script served in any other state carries none.
    const secret = currentSecret(deps.secrets, host.id, rt);
    const text = renderIpxe(sot, { host, ...(iface && { iface }), ...(workflow && { workflow }), bootIndex }, { base: deps.baseUrl(host.siteId), ...(secret && { secret }) });
    deps.clients.observe(clientIp(req), host.id);
    stats.scripts++;
    report(host.id, { type: 'ipxe.served' }, { ip: clientIp(req), boot: workflow?.boots[bootIndex] ?? null });
    return sendText(res, 200, text, TEXT);
  }

  /** Unknown MAC: its site's discovery workflow if DHCP discovered it there, else "exit". */
  function unknownScript(req: IncomingMessage, res: ServerResponse, macText: string | undefined): ServeResult {
    const sot = deps.sot.current();
    const mac = macText ? parseMac(macText) : undefined;
    const rt = mac ? deps.store.get('hosts', discoveredHostId(mac)) : undefined;
    const found = sot && mac ? discoveryTarget(sot, rt, mac) : undefined;
    if (!sot || !mac || !found) {
      stats.exits++;
      return sendText(res, 200, renderExitScript(macText ? `${macText} is not a host of this appliance` : 'no MAC given'), TEXT);
    }
    const secret = currentSecret(deps.secrets, found.host.id, rt, true);
    const text = renderIpxe(sot, { host: found.host, workflow: found.workflow, bootIndex: 0 }, { base: deps.baseUrl(found.host.siteId), ...(secret && { secret }) });
    deps.clients.observe(clientIp(req), found.host.id);
    stats.scripts++;
    void deps.lifecycle.note(found.host.id, 'ipxe.served', { ip: clientIp(req), workflow: found.workflow.id, discovery: true });
    return sendText(res, 200, text, TEXT);
  }

  async function config(req: IncomingMessage, res: ServerResponse, parts: string[], bootId: string | null): Promise<ServeResult> {
    if (parts.length > 2) return sendText(res, 404, 'not found\n');
    const caller = identifyCaller(deps, parts[0], parts[1]);
    if (isRefusal(caller)) return refuse(req, res, caller, 'config');
    const refused = configVerdict(caller, bootId);
    if (refused) return refuse(req, res, refused, 'config');
    const { sot, host, mac, workflow, bootIndex, secret } = caller;
    const iface = host.interfaces.find((i) => i.mac === mac);
    const out = renderServedUnattended(sot, { host, ...(iface && { iface }), ...(workflow && { workflow }), bootIndex }, { base: deps.baseUrl(host.siteId), secret });
    deps.clients.observe(clientIp(req), host.id);
    stats.configs++;
    report(host.id, { type: 'unattended.served', kind: out.type }, { ip: clientIp(req) });
    return sendText(res, 200, out.text, out.contentType);
  }

  async function checkpoint(req: IncomingMessage, res: ServerResponse, parts: string[], query: URLSearchParams): Promise<ServeResult> {
    if (parts.length > 4) return sendText(res, 404, 'not found\n');
    const caller = identifyCaller(deps, parts[0], parts[1]);
    if (isRefusal(caller)) return refuse(req, res, caller, 'checkpoint');
    if (parts[2] === undefined) return refuse(req, res, { refused: 'wrong_boot', hostId: caller.host.id }, 'checkpoint');
    const verdict = checkpointVerdict(caller, parts[2], parts[3]);
    if (isRefusal(verdict)) return refuse(req, res, verdict, 'checkpoint');
    const repeated = () => {
      stats.checkpointRepeats++;
      return sendText(res, 200, 'ok (already recorded)\n');
    };
    if ('repeat' in verdict) return repeated();
    const event = {
      type: 'checkpoint' as const,
      boot: parts[2],
      n: verdict.accept,
      attempt: caller.attempt,
      ...(caller.discovered && { checkpoints: verdict.checkpoints }),
    };
    deps.clients.observe(clientIp(req), caller.host.id);
    // Acknowledged only once durable: an installer that got its 200 must never be lost. The
    // machine checks the attempt and order again inside the transaction (a concurrent retry or
    // a timeout may have moved the host since the checks above).
    try {
      await deps.lifecycle.report(caller.host.id, event, callbackData(query, clientIp(req)));
    } catch (e) {
      if (!isApplianceError(e) || e.code !== 'ILLEGAL_TRANSITION') return sendText(res, 503, 'checkpoint not recorded; retry\n');
      const reason = (e.details as { reason?: CheckpointRefusal } | undefined)?.reason;
      if (reason === 'repeat') return repeated();
      const refused: RefusalReason = reason === 'stale_attempt' ? 'stale_secret' : reason === 'out_of_sequence' ? 'out_of_sequence' : 'not_busy';
      return refuse(req, res, { refused, hostId: caller.host.id }, 'checkpoint');
    }
    stats.checkpoints++;
    return sendText(res, 200, 'ok\n');
  }

  async function files(req: IncomingMessage, res: ServerResponse, rel: string, root: string | undefined, kind: string): Promise<ServeResult> {
    const path = root ? await safePath(root, rel) : undefined;
    if (!path) return sendText(res, 404, 'not found\n');
    const r = await serveFile(req, res, path);
    served(clientIp(req), rel, kind, req.method, r);
    return r;
  }

  /** Counts a served asset; a known host's kernel fetch moves its lifecycle, other files only count. */
  function served(ip: string, rel: string, kind: string, method: string | undefined, r: ServeResult): void {
    stats.files++;
    stats.bytes += r.bytes;
    const hostId = deps.clients.hostFor(ip);
    if (hostId && r.status < 300 && method === 'GET') {
      const isKernel = /(vmlinuz|linux|kernel|bzimage)/i.test(rel) && kind === 'files';
      if (isKernel) report(hostId, { type: 'kernel.fetched', url: `/${kind}/${rel}` });
      else stats.hostFiles++;
    }
  }

  /** A /files/ download nginx served (its access log, boot/assets-log.ts): counted as if served here. */
  const assetServed = (l: { ip: string; status: number; bytes: number; method: string; uri: string }) => {
    if (!l.uri.startsWith('/files/')) return;
    stats.requests++;
    served(l.ip.replace(/^::ffff:/, ''), l.uri.slice('/files/'.length).replace(/^\/+/, ''), 'files', l.method, { status: l.status, bytes: l.bytes });
  };

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
    if (path === '/boot.ipxe') return sendText(res, 200, `#!ipxe\nchain ${deps.baseUrl()}/ipxe?mac=\${netX/mac}\n`, TEXT);
    if (parts[0] === 'ipxe' && parts.length <= 2) return script(req, res, parts[1] ?? url.searchParams.get('mac') ?? undefined, waitRound(url.searchParams.get('wait')));
    if (parts[0] === 'config') return config(req, res, parts.slice(1), url.searchParams.get('boot'));
    if (parts[0] === 'files' && parts.length > 1) return files(req, res, parts.slice(1).join('/'), folder(deps.assetsDir), 'files');
    if (parts[0] === 'ipxe-bin' && parts.length === 2) return files(req, res, parts[1]!, folder(deps.ipxeDir), 'ipxe-bin');
    return sendText(res, 404, 'not found\n');
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    stats.requests++;
    route(req, res).catch((e: unknown) => {
      stats.errors++;
      deps.log.warn('boot HTTP request failed', { path: redactPath(req.url), error: String((e as Error)?.message ?? e) });
      if (!res.headersSent) sendText(res, isApplianceError(e) && e.code === 'NOT_FOUND' ? 404 : 500, `error: ${(e as Error).message}\n`);
      else res.destroy();
    });
  };
  return { handler, assetServed, stats: (): BootHttpStats => ({ ...stats, refused: { ...stats.refused } }) };
}
