// A thin Redfish client: JSON over HTTPS, a session per BMC (POST SessionService/Sessions ->
// X-Auth-Token, reused until the BMC answers 401, then one fresh login), Basic auth when the BMC
// has no session service, and discovery of the ComputerSystem URL (cached). The password is
// sent only in the login body or the Basic header; errors and logs never carry it.

import { createHash } from 'node:crypto';
import { ApplianceError } from '../model/index.js';
import type { HttpResponse, HttpTransport } from './http.js';
import { scrub, type BmcTarget } from './types.js';

export const REDFISH_DEFAULT_PORT = 443;
const DEFAULT_SESSIONS = '/redfish/v1/SessionService/Sessions';

export type Json = Record<string, unknown>;

interface BmcState {
  origin: string;
  insecure: boolean;
  /** The Systems collection, from the service root. */
  systemsPath: string;
  token?: string;
  /** Session resource to DELETE on logout. */
  location?: string;
  /** The BMC has no session service: send Basic auth on every request. */
  basic?: boolean;
  /** ComputerSystem URL per systemId ('' = first member): one BMC may serve several systems. */
  systems: Map<string, string>;
}

export interface RedfishClientOptions {
  transport: HttpTransport;
  timeoutMs: number;
  /** "http" only for tests against a plain-HTTP mock. */
  scheme: 'https' | 'http';
}

export interface Reply {
  status: number;
  body: Json;
  res: HttpResponse;
}

export class RedfishClient {
  private readonly state = new Map<string, BmcState>();
  /** Logins under way, so concurrent first calls share one session. */
  private readonly logins = new Map<string, Promise<BmcState>>();

  constructor(private readonly opts: RedfishClientOptions) {}

  origin(t: BmcTarget): string {
    const host = t.address.includes(':') ? `[${t.address}]` : t.address;
    return `${this.opts.scheme}://${host}:${t.port ?? REDFISH_DEFAULT_PORT}`;
  }

  /** An authenticated request; a stale session (401) gets one fresh login and one resend. */
  async call(t: BmcTarget, method: 'GET' | 'POST' | 'PATCH', path: string, body?: Json, headers: Record<string, string> = {}): Promise<Reply> {
    const st = await this.session(t);
    let reply = await this.raw(t, method, path, body, { ...headers, ...this.authHeaders(t, st) });
    if (reply.status === 401 && st.token) {
      this.state.delete(this.key(t));
      const fresh = await this.session(t);
      reply = await this.raw(t, method, path, body, { ...headers, ...this.authHeaders(t, fresh) });
    }
    return reply;
  }

  /** The ComputerSystem's URL path: systemId's member, else the first one. */
  async systemUrl(t: BmcTarget): Promise<string> {
    const st = await this.session(t);
    const cached = st.systems.get(t.systemId ?? '');
    if (cached) return cached;
    const coll = ensureOk(await this.call(t, 'GET', st.systemsPath), 'list systems', t);
    const members = (Array.isArray(coll.body.Members) ? coll.body.Members : []).map(odataId).filter((m): m is string => !!m);
    const pick = t.systemId ? members.find((m) => m.replace(/\/$/, '').split('/').pop() === t.systemId) : members[0];
    if (!pick) {
      const want = t.systemId ? `system "${t.systemId}"` : 'any system';
      throw new ApplianceError('BMC_UNSUPPORTED', `Redfish ${this.origin(t)} has no ${want} (members: ${members.join(', ') || 'none'})`, { retryable: false });
    }
    st.systems.set(t.systemId ?? '', pick);
    return pick;
  }

  /** Logs out of every session opened (best effort). */
  async logoutAll(): Promise<void> {
    const open = [...this.state.entries()];
    this.state.clear();
    await Promise.allSettled(
      open.map(async ([, st]) => {
        if (!st.token || !st.location) return;
        const url = new URL(st.location, st.origin).toString();
        const headers = { 'X-Auth-Token': st.token };
        await this.opts.transport({ method: 'DELETE', url, headers, timeoutMs: this.opts.timeoutMs, ...(st.insecure && { insecure: true }) });
      }),
    );
  }

  // Origin plus a digest of the credentials: a changed password (rotation) means a new login.
  private key(t: BmcTarget): string {
    const cred = createHash('sha256').update(`${t.username ?? ''}\0${t.password ?? ''}`).digest('hex').slice(0, 16);
    return `${this.origin(t)}|${cred}`;
  }

  private async session(t: BmcTarget): Promise<BmcState> {
    const key = this.key(t);
    const have = this.state.get(key);
    if (have) return have;
    let pending = this.logins.get(key);
    if (!pending) {
      pending = this.login(t).finally(() => this.logins.delete(key));
      this.logins.set(key, pending);
    }
    const st = await pending;
    this.state.set(key, st);
    return st;
  }

  private async login(t: BmcTarget): Promise<BmcState> {
    // The service root is readable without credentials (DSP0266); it names the other URLs.
    const root = await this.raw(t, 'GET', '/redfish/v1', undefined, {});
    if (root.status >= 500) ensureOk(root, 'service root', t);
    const links = root.body.Links as Json | undefined;
    const base: BmcState = { origin: this.origin(t), insecure: t.insecure === true, systemsPath: odataId(root.body.Systems) ?? '/redfish/v1/Systems', systems: new Map() };
    const sessions = odataId(links?.Sessions) ?? DEFAULT_SESSIONS;
    const reply = await this.raw(t, 'POST', sessions, { UserName: t.username ?? '', Password: t.password ?? '' }, {});
    if (reply.status === 404 || reply.status === 405 || reply.status === 501) return { ...base, basic: true };
    ensureOk(reply, 'login', t);
    const token = reply.res.header('x-auth-token');
    if (!token) return { ...base, basic: true };
    const location = reply.res.header('location') ?? odataId(reply.body);
    return location ? { ...base, token, location } : { ...base, token };
  }

  private authHeaders(t: BmcTarget, st: BmcState): Record<string, string> {
    if (st.token) return { 'X-Auth-Token': st.token };
    if (st.basic) return { Authorization: `Basic ${Buffer.from(`${t.username ?? ''}:${t.password ?? ''}`).toString('base64')}` };
    return {};
  }

  private async raw(t: BmcTarget, method: 'GET' | 'POST' | 'PATCH', path: string, body: Json | undefined, headers: Record<string, string>): Promise<Reply> {
    const h: Record<string, string> = { Accept: 'application/json', 'OData-Version': '4.0', ...headers };
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const req = { method, url: new URL(path, this.origin(t)).toString(), headers: h, timeoutMs: this.opts.timeoutMs, ...(body !== undefined && { body: JSON.stringify(body) }) };
    const res = await this.opts.transport(t.insecure ? { ...req, insecure: true } : req);
    return { status: res.status, body: parseJson(res.text), res };
  }
}

/** Throws the typed error for a non-2xx reply; returns it otherwise. */
export function ensureOk(reply: Reply, what: string, t: BmcTarget): Reply {
  const s = reply.status;
  if (s >= 200 && s < 300) return reply;
  const msg = scrub(`Redfish ${what} on ${t.address}: HTTP ${s}${redfishMessage(reply.body)}`, t.password);
  if (s === 401 || s === 403) throw new ApplianceError('BMC_AUTH_FAILED', msg, { status: s, retryable: false });
  if (s === 400 || s === 404 || s === 405 || s === 412 || s === 501) throw new ApplianceError('BMC_UNSUPPORTED', msg, { status: s, retryable: false });
  // 409 (another operation in progress) and 5xx are the BMC being busy or restarting.
  throw new ApplianceError('BMC_UNREACHABLE', msg, { status: s, retryable: s === 409 || s >= 500 });
}

/** The first message of a Redfish error body, if any. */
function redfishMessage(body: Json): string {
  const err = body.error as Json | undefined;
  const info = Array.isArray(err?.['@Message.ExtendedInfo']) ? (err['@Message.ExtendedInfo'] as Json[]) : [];
  const text = info[0]?.Message ?? err?.message;
  return typeof text === 'string' ? `: ${text}` : '';
}

export function odataId(v: unknown): string | undefined {
  const id = (v as Json | undefined)?.['@odata.id'];
  return typeof id === 'string' ? id : undefined;
}

function parseJson(text: string): Json {
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
  } catch {
    return {};
  }
}
