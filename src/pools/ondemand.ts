// On-demand requests (seed 003 "Ondemand VM operations"): POST /ondemandvm asks for hosts of some
// pools, the manager hands them out (ready hosts first, else installs free ones) and GET polls.
// A request lives in `meta` as "vmpooler:ondemand:<id>"; its hosts are check-outs of its owner.
import type { Store, Tx } from '../store/store.js';

export const ONDEMAND_PREFIX = 'vmpooler:ondemand:';

export interface OndemandRequest {
  id: string;
  /** name = as requested (a pool or an alias), pool = the pool it was resolved to. */
  entries: { name: string; pool: string; count: number }[];
  /** name -> hosts handed to it so far. */
  hosts: Record<string, string[]>;
  status: 'pending' | 'ready' | 'failed' | 'deleted';
  owner?: string;
  /** sha256 of the token it was made with: its hosts' check-outs carry it (Allocation.tokenHash). */
  tokenHash?: string;
  createdAt: number;
  /** Seconds the request may stay pending before it fails. */
  ttl: number;
  /** Check-out lifetime of its hosts, seconds. */
  lifetime: number;
  endedAt?: number;
}

export const ondemandKey = (id: string) => `${ONDEMAND_PREFIX}${id}`;

export function readOndemand(store: Pick<Store, 'get'> | Pick<Tx, 'get'>, id: string): OndemandRequest | undefined {
  return store.get('meta', ondemandKey(id)) as OndemandRequest | undefined;
}

/** Every request kept (meta is small: settings, counters and these; a scan is cheap next to the SoT's). */
export function allOndemand(store: Pick<Store, 'list'>): OndemandRequest[] {
  return (store.list('meta') as unknown[]).filter(isRequest);
}

function isRequest(m: unknown): m is OndemandRequest {
  return typeof m === 'object' && m !== null && (m as { kind?: unknown }).kind === 'ondemand';
}

/** The record as stored: tagged so allOndemand can tell it from other meta values. */
export function storedRequest(r: OndemandRequest): OndemandRequest & { kind: 'ondemand' } {
  return { ...r, kind: 'ondemand' };
}
