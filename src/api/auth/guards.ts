// Requests a browser could be tricked into sending. Tokens travel in headers, which a foreign
// page cannot set without a CORS preflight we never grant, but two holes remain and are closed here:
// - DNS rebinding: a page on evil.example re-resolves its own name to the appliance and then
//   reads responses as same-origin. Its requests carry `Host: evil.example`, so every request
//   whose Host is not one of the appliance's own names or addresses is refused.
// - Cross-site requests: a form POST needs no preflight. A mutation whose Origin (RFC 6454) is
//   present and is not the appliance's own origin, or that the browser marks
//   `Sec-Fetch-Site: cross-site`, is refused, whatever credentials it carries.
import { hostname as osHostname, networkInterfaces } from 'node:os';
import type { IncomingMessage } from 'node:http';

/** The Host header's name part, lowercase, without port or IPv6 brackets. */
export function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const h = header.trim().toLowerCase();
  const m = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(h) ?? /^([a-z0-9._-]+)(?::\d{1,5})?$/.exec(h);
  return m ? m[1]!.replace(/\.$/, '') : undefined;
}

/** Names and addresses the appliance answers to: loopback, its hostname, every local address, and extras. */
export function applianceNames(extra: string[] = [], opts: { includeInterfaces?: boolean } = {}): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '::1']);
  if (opts.includeInterfaces !== false) {
    const h = osHostname().toLowerCase();
    names.add(h);
    names.add(h.split('.')[0]!);
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(a.address.toLowerCase().replace(/%.*$/, ''));
  }
  for (const e of extra) {
    const n = hostName(e);
    if (n) names.add(n);
  }
  return names;
}

export type GuardRefusal = { status: 403 | 400; message: string };

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function checkBrowserRequest(req: IncomingMessage, names: ReadonlySet<string>): GuardRefusal | undefined {
  const host = req.headers.host;
  const name = hostName(host);
  if (!name) return { status: 400, message: 'missing or malformed Host header' };
  if (!names.has(name)) return { status: 403, message: `Host "${String(host).slice(0, 100)}" is not a name of this appliance (add it with --api-name)` };
  if (SAFE.has(req.method ?? 'GET')) return undefined;
  if (req.headers['sec-fetch-site'] === 'cross-site') return { status: 403, message: 'cross-site request refused' };
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return { status: 403, message: 'cross-origin request refused (Origin is not a URL)' };
  }
  // Same origin: the page was loaded from this very host:port (the browser sends both).
  if ((o.protocol !== 'http:' && o.protocol !== 'https:') || o.host !== String(host).trim().toLowerCase()) {
    return { status: 403, message: `cross-origin request refused (Origin ${origin.slice(0, 100)})` };
  }
  return undefined;
}
