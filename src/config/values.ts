// Validators for single settings: each turns one string into its typed value or throws a
// ConfigError that names the setting and the bad value.
import { parseIpv4 } from '../lib/ip.js';
import type { BootConfig } from '../boot/services.js';
import { ConfigError, flagLabel, type Label } from './errors.js';
import { SERVE_DEFAULTS, type BootValues } from './options.js';

export function parseListen(s: string, label: Label = flagLabel): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(s) ?? /^()()(\d{1,5})$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ConfigError(`${label('listen')} "${s}" is not host:port (e.g. 127.0.0.1:8080)`, 'listen');
  const host = m[1] || m[2] || '127.0.0.1';
  // A space or a slash is never part of a host name or address: catch it here, not in getaddrinfo.
  if (/[\s/]/.test(host)) throw new ConfigError(`${label('listen')} "${s}" is not host:port (e.g. 127.0.0.1:8080)`, 'listen');
  return { host, port };
}

export function portOf(key: string, v: string | undefined, label: Label = flagLabel): number {
  const n = Number(v);
  if (!/^\d{1,5}$/.test(v ?? '') || n < 1 || n > 65535) throw new ConfigError(`${label(key)} must be a port number (1-65535), not "${v}"`, key);
  return n;
}

/** Token lifetime in whole days; 0 = tokens never expire (null). */
export function tokenTtl(v: string, label: Label = flagLabel): number | null {
  if (!/^\d{1,5}$/.test(v)) throw new ConfigError(`${label('token-ttl')} takes whole days (0 = never expire), not "${v}"`, 'token-ttl');
  return Number(v) === 0 ? null : Number(v) * 24 * 3600_000;
}

/** Journal retention by age: whole days, 0 = keep regardless of age (docs/store.md). */
export function historyDays(v: string, label: Label = flagLabel): number {
  if (!/^\d{1,5}$/.test(v)) throw new ConfigError(`${label('history-days')} takes whole days (0 = no age bound), not "${v}"`, 'history-days');
  return Number(v) * 24 * 3600_000;
}

/** Journal retention by size: "512M", "2G", "1T" (binary units), 0 = no size bound. */
export function historySize(v: string, label: Label = flagLabel): number {
  const m = /^(\d{1,6})([MGT])?$/i.exec(v);
  if (!m || (Number(m[1]) > 0 && !m[2])) throw new ConfigError(`${label('history-size')} takes a size like 512M, 2G or 1T (0 = no size bound), not "${v}"`, 'history-size');
  const unit = { M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }[(m[2] ?? 'M').toUpperCase() as 'M' | 'G' | 'T'];
  const bytes = Number(m[1]) * unit;
  if (bytes > 0 && bytes < 64 * 2 ** 20) throw new ConfigError(`${label('history-size')} below 64M would drop history the day it is written; got "${v}"`, 'history-size');
  return bytes;
}

export function positiveInt(key: string, v: string, label: Label = flagLabel): number {
  if (!/^\d{1,9}$/.test(v) || Number(v) < 1) throw new ConfigError(`${label(key)} must be a positive integer, not "${v}"`, key);
  return Number(v);
}

export const STAGES = ['power', 'dhcp', 'firmware', 'ipxe', 'kernel', 'installing', 'checkpoint'];

export function stageTimeouts(list: string[], label: Label = flagLabel): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of list) {
    const m = /^([a-z]+)=(\d{1,7})$/.exec(item);
    if (!m || !STAGES.includes(m[1]!)) throw new ConfigError(`${label('stage-timeout')} takes <stage>=<seconds> with stage one of ${STAGES.join(', ')}, not "${item}"`, 'stage-timeout');
    out[m[1]!] = Number(m[2]) * 1000;
  }
  return out;
}

/** Boot services run only when told where: an interface or an address. */
export function bootConfig(v: BootValues, label: Label = flagLabel): BootConfig | undefined {
  if (!v.interface && !v.address) return undefined;
  // Loose on purpose: Windows names have spaces ("Ethernet 2"); an unknown name leaves the
  // services off with that reason (boot/services.ts), which is clearer than guessing here.
  if (v.interface && !/^[^\x00-\x1f/]{1,64}$/.test(v.interface)) throw new ConfigError(`${label('interface')} "${v.interface}" is not a network interface name`, 'interface');
  if (v.address && parseIpv4(v.address) === undefined) throw new ConfigError(`${label('address')} "${v.address}" is not an IPv4 address`, 'address');
  if (v['dhcp-mode'] !== undefined && v['dhcp-mode'] !== 'server' && v['dhcp-mode'] !== 'proxy') throw new ConfigError(`${label('dhcp-mode')} must be server or proxy`, 'dhcp-mode');
  const assetServer = v['asset-server'];
  if (assetServer !== undefined && assetServer !== 'builtin' && assetServer !== 'nginx' && assetServer !== 'auto') throw new ConfigError(`${label('asset-server')} must be builtin, nginx or auto`, 'asset-server');
  if (v['boot-url'] !== undefined && !/^https?:\/\/[^/]+/.test(v['boot-url'])) throw new ConfigError(`${label('boot-url')} "${v['boot-url']}" is not an http(s) URL`, 'boot-url');
  const port = (key: 'http-port' | 'tftp-port' | 'dhcp-port' | 'dhcp-client-port' | 'proxy-port') => portOf(key, v[key] ?? SERVE_DEFAULTS[key], label);
  return {
    ...(v.interface && { interface: v.interface }),
    ...(v.address && { address: v.address }),
    httpPort: port('http-port'),
    ...(v['boot-url'] && { bootUrl: v['boot-url'] }),
    tftpPort: port('tftp-port'),
    dhcpPort: port('dhcp-port'),
    dhcpClientPort: port('dhcp-client-port'),
    proxyPort: port('proxy-port'),
    ...(v['tftp-root'] && { tftpRoot: v['tftp-root'] }),
    ...(v.assets && { assetsDir: v.assets }),
    ...(assetServer && { assetServer }),
    ...(v['tftp-workers'] !== undefined && { tftpWorkers: Math.min(32, positiveInt('tftp-workers', v['tftp-workers'], label)) }),
    ...(v['dhcp-mode'] && { dhcpMode: v['dhcp-mode'] as 'server' | 'proxy' }),
    dhcp: !v['no-dhcp'],
    tftp: !v['no-tftp'],
    http: !v['no-boot-http'],
  };
}
