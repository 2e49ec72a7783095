// The options a reply carries (pure): subnet configuration (RFC 2132 §3, §8), lease times
// (RFC 2132 §9.2, §9.11, §9.12), boot information (RFC 2132 §9.4/§9.5, PXE 2.1, UEFI HTTP boot),
// and their order (RFC 2131 §4.3.1: options the client asked for in option 55, in its order).
import type { Subnet } from '../model/index.js';
import type { DhcpHost, DhcpInterface } from './backend.js';
import { Opt, encodeOptionValue } from './options.js';
import type { DhcpPacket } from './packet.js';
import { encodePxeVendorOptions, DiscoveryControl } from './pxe-vendor.js';
import { decideBoot, type BootClient, type BootDecision, type BootTarget } from './pxe.js';
import { ipv4Bytes } from './reader.js';

export type OptionList = [number, Uint8Array][];

/** Lease time when the subnet sets none (docs/sot.md: lease_time default 1 h). */
export const DEFAULT_LEASE_SECONDS = 3600;

const text = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const ips = (list: readonly string[]): Uint8Array => {
  const out = new Uint8Array(4 * list.length);
  list.forEach((ip, i) => out.set(ipv4Bytes(ip, 'address'), 4 * i));
  return out;
};
const u32 = (n: number): Uint8Array => Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);

const subnetCache = new WeakMap<Subnet, OptionList>();

/** 1 mask, 3 router, 6 DNS, 15 domain, 42 NTP, then the subnet's `dhcp_options` (cached per Subnet). */
export function subnetOptions(subnet: Subnet): OptionList {
  const cached = subnetCache.get(subnet);
  if (cached) return cached;
  const out: OptionList = [[Opt.subnetMask, ipv4Bytes(subnet.netmask, 'netmask')]];
  if (subnet.gateway) out.push([Opt.router, ipv4Bytes(subnet.gateway, 'gateway')]);
  if (subnet.dns.length > 0) out.push([Opt.dnsServers, ips(subnet.dns)]);
  if (subnet.domain) out.push([Opt.domainName, text(subnet.domain)]);
  if (subnet.ntp.length > 0) out.push([Opt.ntpServers, ips(subnet.ntp)]);
  for (const spec of subnet.dhcpOptions) {
    try {
      const i = out.findIndex(([code]) => code === spec.option);
      const entry: [number, Uint8Array] = [spec.option, encodeOptionValue(spec.type, spec.value)];
      if (i >= 0) out[i] = entry; // an explicit dhcp_options entry wins over the implicit one
      else out.push(entry);
    } catch {
      // the SoT validator reports bad values; a reply never fails because of one
    }
  }
  subnetCache.set(subnet, out);
  return out;
}

/** Option 12: the interface's hostname, else the host name (RFC 2132 §3.14). */
export function hostOptions(host: DhcpHost, iface: DhcpInterface | undefined): OptionList {
  const name = iface?.hostname ?? host.name;
  return name ? [[Opt.hostName, text(name)]] : [];
}

const leaseCache = new Map<number, OptionList>();

/** 51 lease time, 58 T1 = 50 %, 59 T2 = 87.5 % (RFC 2131 §4.4.5 defaults). Cached per duration. */
export function leaseOptions(leaseSeconds: number): OptionList {
  let out = leaseCache.get(leaseSeconds);
  if (!out) {
    out = [
      [Opt.leaseTime, u32(leaseSeconds)],
      [Opt.renewalTime, u32(Math.floor(leaseSeconds * 0.5))],
      [Opt.rebindingTime, u32(Math.floor(leaseSeconds * 0.875))],
    ];
    if (leaseCache.size < 64) leaseCache.set(leaseSeconds, out);
  }
  return out;
}

/** The boot part of a reply: header fields and options. */
export interface BootInfo {
  siaddr?: string;
  file?: string;
  options: OptionList;
  decision: BootDecision;
  /** The client is a BIOS PXE client (arch 0) and not iPXE: wants option 43 in proxy offers. */
  biosPxe: boolean;
  /** The client is iPXE (user class "iPXE" or option 175): server mode adds ipxeNoProxyWait(). */
  ipxe: boolean;
}

/** The `file` header field holds 127 bytes; a longer name (a URL) goes in option 67 only. */
const fileField = (name: string): string | undefined => (Buffer.byteLength(name, 'latin1') <= 127 && /^[\x20-\x7e]*$/.test(name) ? name : undefined);

/**
 * What the client boots next (decideBoot) as reply fields. TFTP: siaddr + file + 66 + 67, and
 * 60 "PXEClient" except for UEFI firmware (below); HTTP: siaddr, 67 (and file) the URL, 60
 * "HTTPClient" for UEFI HTTP boot (UEFI 2.5 §24.7.2: the client ignores offers without it). iPXE
 * gets its script URL and no 60. A proxy reply always carries 60 "PXEClient" (proxy.ts adds it):
 * there it is what makes the offer a PXE one.
 *
 * UEFI firmware PXE: EDK2's PXE driver (NetworkPkg UefiPxeBcDxe, PxeBcDhcp4.c) takes an offer
 * with 60 "PXEClient" but no 43 for a BINL offer: it then asks the boot server on port 4011 and
 * waits out that exchange's timeout (~1 s measured in the lab) before its TFTP request. Without 60
 * the same answer is a DHCP-only offer with a boot file (PXE 2.1 §2.2.1), which it boots at once,
 * as it does dnsmasq's.
 */
export function bootInfo(client: BootClient, s: BootTarget): BootInfo {
  const decision = decideBoot(client, s);
  const biosPxe = client.isPxe && !client.isIpxe && client.arch === 0;
  const ipxe = client.isIpxe;
  const uefiFirmware = client.isPxe && !client.isIpxe && !client.isHttpClient && client.arch !== undefined && client.arch !== 0;
  if (decision.kind === 'none') return { options: [], decision, biosPxe, ipxe };
  if (decision.kind === 'tftp') {
    return {
      siaddr: decision.nextServer,
      file: fileField(decision.file),
      options: [
        ...(uefiFirmware ? [] : ([[Opt.vendorClass, text('PXEClient')]] satisfies OptionList)),
        [Opt.tftpServerName, text(decision.nextServer)],
        [Opt.bootfileName, text(decision.file)],
      ],
      decision,
      biosPxe,
      ipxe,
    };
  }
  const options: OptionList = [[Opt.bootfileName, text(decision.url)]];
  if (decision.vendorClass) options.unshift([Opt.vendorClass, text(decision.vendorClass)]);
  // siaddr even for a URL: iPXE before 2022 takes a proxyDHCP answer as bootable only with both a
  // next-server and a boot file (dhcp_has_pxeopts), and otherwise ignores it (seen with QEMU's ROM).
  return { siaddr: s.tftpServer, file: fileField(decision.url), options, decision, biosPxe, ipxe };
}

/**
 * Option 175 (iPXE's encapsulated options) with sub-option 176 (0xb0, DHCP_EB_NO_PXEDHCP) = 1,
 * for an iPXE client in server mode. iPXE's DHCP discovery (src/net/udp/dhcp.c,
 * dhcp_discovery_rx) leaves for DHCPREQUEST only once it holds an offer with an address AND
 * either "no_pxedhcp" is set in that offer, or it holds a ProxyDHCP offer (option 60 "PXEClient"),
 * or DHCP_DISC_PROXY_TIMEOUT_SEC (2 s, config/dhcp.h) have passed — checked on the next packet or
 * retransmission timer (1 s, then 2 s), so an offer without either waits ~3 s for ProxyDHCP offers
 * that never come. In server mode Corral is the only boot server: no_pxedhcp says so (same in
 * the 2019 ROM QEMU ships and in today's iPXE). Proxy mode needs nothing: Corral's proxy offer
 * carries "PXEClient" and siaddr + file (dhcp_has_pxeopts), so iPXE leaves as soon as it also holds
 * the site server's offer, and registers the proxy settings without a ProxyDHCPREQUEST to 4011.
 */
export function ipxeNoProxyWait(): [number, Uint8Array] {
  return [Opt.ipxeEncap, Uint8Array.of(IPXE_NO_PXEDHCP, 1, 1)];
}

/** iPXE include/ipxe/dhcp.h: DHCP_EB_NO_PXEDHCP = DHCP_ENCAP_OPT ( DHCP_EB_ENCAP, 0xb0 ). */
export const IPXE_NO_PXEDHCP = 0xb0;

/** PXE option 43 for a BIOS proxy offer: discovery control "use the boot file" (PXE 2.1). */
export function pxeBypassDiscovery(): [number, Uint8Array] {
  return [Opt.vendorSpecific, encodePxeVendorOptions({ discoveryControl: DiscoveryControl.useBootfile })];
}

/**
 * Orders reply options: those the client requested (option 55), in its order, first; then the
 * rest as given. Some PXE ROMs read only the first instance they meet, so order matters. Later
 * entries for the same code replace earlier ones.
 */
export function orderOptions(req: DhcpPacket, list: OptionList): OptionList {
  const merged = new Map<number, Uint8Array>();
  for (const [code, value] of list) merged.set(code, value);
  const prl = req.options.get(Opt.paramRequestList);
  if (!prl) return [...merged];
  const out: OptionList = [];
  for (const code of prl) {
    const value = merged.get(code);
    if (value === undefined) continue;
    out.push([code, value]);
    merged.delete(code); // a code listed twice in 55 is sent once
  }
  for (const entry of merged) out.push(entry);
  return out;
}
