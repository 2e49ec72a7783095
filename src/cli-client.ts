// CLI commands that talk to a running appliance's operator API: power, provision, hosts.
// They authenticate with $CORRAL_TOKEN, else the appliance's local admin token file in the
// data folder (readable only by whoever runs the appliance), never by source address.
import { parseArgs } from 'node:util';
import { readLocalToken } from './api/auth/local-token.js';

export interface ClientIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

export class ClientUsageError extends Error {}

const DEFAULT_API = process.env.CORRAL_API ?? 'http://127.0.0.1:8080';
export const DEFAULT_DATA = process.env.CORRAL_DATA ?? './data';
const CLIENT_OPTIONS = { api: { type: 'string', default: DEFAULT_API }, data: { type: 'string', default: DEFAULT_DATA } } as const;

export function clientToken(dataDir: string): string | undefined {
  return process.env.CORRAL_TOKEN?.trim() || readLocalToken(dataDir);
}

export async function call(api: string, method: string, path: string, body: unknown, dataDir: string): Promise<{ status: number; json: any }> {
  let res: Response;
  const token = clientToken(dataDir);
  try {
    res = await fetch(`${api.replace(/\/+$/, '')}/v1${path}`, {
      method,
      headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...(token && { 'x-auth-token': token }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(120_000),
    });
  } catch (e) {
    throw new Error(`cannot reach the Corral API at ${api}: ${(e as Error).message} (is "corral serve" running? --api or CORRAL_API sets the URL)`);
  }
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = { message: text };
  }
  return { status: res.status, json };
}

function report(io: ClientIo, r: { status: number; json: any }, ok: (j: any) => string): number {
  if (r.status >= 400) {
    const hint = r.status === 401 ? ' (set CORRAL_TOKEN, or --data to the appliance\'s data folder for its admin.token)' : '';
    io.err(`corral: ${r.json?.code ?? r.status}: ${r.json?.message ?? 'request failed'}${hint}\n`);
    return 1;
  }
  io.out(ok(r.json));
  return 0;
}

export async function cmdPower(args: string[], io: ClientIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: CLIENT_OPTIONS, allowPositionals: true, strict: true });
  const [host, action] = positionals;
  const actions = ['on', 'off', 'soft', 'cycle', 'reset', 'status'];
  if (!host || !action || positionals.length > 2 || !actions.includes(action)) {
    throw new ClientUsageError(`power takes <host> <${actions.join('|')}>`);
  }
  const r = await call(values.api!, 'POST', `/hosts/${encodeURIComponent(host)}/power`, { action }, values.data!);
  return report(io, r, (j) => `${j.host}: power ${j.power}\n`);
}

export async function cmdProvision(args: string[], io: ClientIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: CLIENT_OPTIONS, allowPositionals: true, strict: true });
  const [host] = positionals;
  if (!host || positionals.length > 1) throw new ClientUsageError('provision takes <host>');
  const r = await call(values.api!, 'POST', `/hosts/${encodeURIComponent(host)}/provision`, {}, values.data!);
  return report(io, r, (j) => `${j.id}: ${j.lifecycle_state}${j.stage ? `/${j.stage}` : ''}${j.waiting_reason ? ` (queued: ${j.waiting_reason})` : ''}\n`);
}

export async function cmdHosts(args: string[], io: ClientIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: CLIENT_OPTIONS, allowPositionals: true, strict: true });
  if (positionals.length) throw new ClientUsageError('hosts takes no arguments');
  const r = await call(values.api!, 'GET', '/hosts', undefined, values.data!);
  return report(io, r, (list: any[]) =>
    list.map((h) => `${h.id.padEnd(20)} ${h.site.padEnd(12)} ${(h.lifecycle_state + (h.stage ? `/${h.stage}` : '')).padEnd(24)} power ${h.power}${h.last_error ? `  ${h.last_error}` : ''}\n`).join(''),
  );
}
