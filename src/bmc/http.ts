// The Redfish driver's HTTP transport. Verified TLS and plain HTTP go through the built-in fetch.
// A BMC marked `insecure` (self-signed certificate) needs certificate checks off for its own
// requests only; Node 20's fetch takes that only as an undici `dispatcher` object, which needs the
// undici package, so those requests use node:https with rejectUnauthorized:false on that single
// request (agent: false: no socket is pooled or shared). Nothing global changes: never
// NODE_TLS_REJECT_UNAUTHORIZED. Network failures become typed errors here.

import { request as httpsRequest } from 'node:https';
import { ApplianceError } from '../model/index.js';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Accept any certificate (this request only). */
  insecure?: boolean;
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  /** Header lookup, case-insensitive. */
  header(name: string): string | undefined;
  text: string;
}

export type HttpTransport = (req: HttpRequest) => Promise<HttpResponse>;

export const defaultTransport: HttpTransport = (req) =>
  req.insecure && req.url.startsWith('https:') ? insecureRequest(req) : fetchRequest(req);

async function fetchRequest(req: HttpRequest): Promise<HttpResponse> {
  try {
    const init: RequestInit = { method: req.method, headers: req.headers, redirect: 'manual', signal: AbortSignal.timeout(req.timeoutMs) };
    if (req.body !== undefined) init.body = req.body;
    const res = await fetch(req.url, init);
    const text = await res.text();
    return { status: res.status, header: (n) => res.headers.get(n) ?? undefined, text };
  } catch (e) {
    throw networkError(e, req);
  }
}

function insecureRequest(req: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
    const r = httpsRequest(req.url, { method: req.method, headers, rejectUnauthorized: false, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => reject(networkError(e, req)));
      res.on('end', () => {
        clearTimeout(timer);
        const h = res.headers;
        const header = (n: string) => {
          const v = h[n.toLowerCase()];
          return Array.isArray(v) ? v.join(', ') : v;
        };
        resolve({ status: res.statusCode ?? 0, header, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    const timer = setTimeout(() => r.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })), req.timeoutMs);
    r.on('error', (e) => {
      clearTimeout(timer);
      reject(networkError(e, req));
    });
    r.end(req.body);
  });
}

const CONNECT_CODES = /^(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EPIPE|UND_ERR_CONNECT_TIMEOUT|UND_ERR_SOCKET)$/;
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

/** A failure below HTTP: timeout, refused/unroutable, or an untrusted certificate. */
export function networkError(e: unknown, req: Pick<HttpRequest, 'method' | 'url'>): ApplianceError {
  const err = e as Error & { cause?: { code?: string; message?: string }; code?: string };
  const where = `${req.method} ${new URL(req.url).origin}${new URL(req.url).pathname}`;
  if (err.name === 'TimeoutError' || err.name === 'AbortError') {
    return new ApplianceError('BMC_TIMEOUT', `${where}: no answer in time`, { retryable: true });
  }
  const code = err.cause?.code ?? err.code ?? '';
  if (TLS_CODES.test(code)) {
    return new ApplianceError('BMC_UNREACHABLE', `${where}: TLS certificate not trusted (${code}); for a self-signed BMC set bmc.insecure: true`, {
      retryable: false,
      tls: code,
    });
  }
  const why = code || err.cause?.message || err.message;
  return new ApplianceError('BMC_UNREACHABLE', `${where}: ${why}`, { retryable: CONNECT_CODES.test(code) || code === '' });
}
