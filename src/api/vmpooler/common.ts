// What the vmpooler routes share: counts as vmpooler takes
// them (numbers or numeric strings), host names with their domain, and vmpooler's bare bodies.
import type { Response } from 'express';
import { z } from 'zod';
import type { Host, Sot } from '../../model/index.js';
import type { Store } from '../../store/store.js';
import { readSettings } from '../../pools/model.js';

export const OkBody = z.object({ ok: z.boolean() }).passthrough();

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
