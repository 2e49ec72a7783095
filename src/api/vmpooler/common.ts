// What the vmpooler routes share: the optional X-AUTH-TOKEN caller, counts as vmpooler takes
// them (numbers or numeric strings), host names with their domain, and vmpooler's bare bodies.
import type { Request, Response } from 'express';
import { z } from 'zod';
import { ApplianceError, type Host, type Sot } from '../../model/index.js';
import type { AuthServices } from '../auth/services.js';
import { tokenFrom } from '../http/authenticate.js';
import type { Store } from '../../store/store.js';
import { readSettings } from '../../pools/model.js';

export const OkBody = z.object({ ok: z.boolean() }).passthrough();

/**
 * The caller of a route a token is optional on (POST /vm): undefined without a token, 401 with
 * a bad one (vmpooler refuses a token it does not know rather than ignore it).
 */
export function optionalCaller(auth: AuthServices, req: Request): { user: string; role: 'admin' | 'user' } | undefined {
  const token = tokenFrom(req);
  if (token === undefined) return undefined;
  const who = auth.tokens.verify(token);
  if ('error' in who) throw new ApplianceError('UNAUTHORIZED', 'the token is not valid', { challenge: 'Basic realm="Authentication required"' });
  return who;
}

/** "2", 2 -> 2; anything else (0, -1, "x", 2.5, over 100) -> undefined. vmpooler's validator takes 1..100. */
export function countOf(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 100 ? n : undefined;
}

/** The DNS domain of a host: its first subnet that names one, else the configured one. */
export function domainOf(sot: Sot, host: Host | undefined, store: Pick<Store, 'get'>): string | undefined {
  const site = host && sot.sites.find((s) => s.id === host.siteId);
  for (const i of host?.interfaces ?? []) {
    const d = site?.subnets.find((s) => s.id === i.subnet)?.domain;
    if (d) return d;
  }
  return readSettings(store).domain;
}

/** vmpooler's `hostname`: a string for one host, an array for several. */
export const hostnameField = (hosts: string[]) => (hosts.length === 1 ? hosts[0]! : hosts);

/** Answers `status` with `body` itself (the route's declared 2xx is not this one). */
export function answer(res: Response, status: number, body: unknown): undefined {
  res.status(status).json(body);
  return undefined;
}

/** Seconds -> hours, as vmpooler shows them (2 decimals). */
export const hours = (s: number) => Math.round((s / 3600) * 100) / 100;
