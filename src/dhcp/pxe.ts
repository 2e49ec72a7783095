// The pure boot decision (STYLE P8): what a PXE / UEFI HTTP / iPXE client should load next, from
// its request options only. Architecture detection follows pixiecore (option 93 first, firmware
// from the arch type); the arch -> file table follows smee's ArchToBootFile.
import { Opt } from './options.js';
import { getClientArch, getIpxeInfo, getUserClass, getVendorClass, type DhcpPacket } from './packet.js';

export type FirmwareKind = 'bios' | 'uefi' | 'unknown';

/** What the request says about the client's boot environment. */
export interface BootClient {
  /** Option 93's first (preferred) entry; else the Arch field of a PXEClient/HTTPClient vendor class. */
  arch: number | undefined;
  firmware: FirmwareKind;
  /** Option 60 starts with "PXEClient" (PXE 2.1 spec: the class identifier's first 9 bytes). */
  isPxe: boolean;
  /** Option 60 starts with "HTTPClient" (UEFI 2.x HTTP Boot). */
  isHttpClient: boolean;
  /** User class "iPXE" (raw or RFC 3004), or option 175 present. */
  isIpxe: boolean;
  /**
   * This iPXE can fetch http:// URLs: option 175 advertises feature 0x13, or 175 is absent or
   * unreadable (iPXE by user class alone), where the stock build, which always has HTTP, is assumed.
   */
  ipxeHttp: boolean;
}

interface ArchInfo {
  name: string;
  firmware: FirmwareKind;
  /** An HTTP boot architecture: the boot file is a URL (UEFI HTTP Boot). */
  http: boolean;
}

const arch = (name: string, firmware: FirmwareKind, http = false): ArchInfo => ({ name, firmware, http });

/** RFC 4578 §2.1 and the IANA "Processor Architecture Types" registry (the codes seen in practice). */
export const ARCHITECTURES: ReadonlyMap<number, ArchInfo> = new Map([
  [0, arch('x86 BIOS', 'bios')],
  [6, arch('x86 UEFI (IA32)', 'uefi')],
  [7, arch('x64 UEFI', 'uefi')],
  [9, arch('x64 UEFI (EBC code, sent by x64 firmware)', 'uefi')],
  [10, arch('ARM 32-bit UEFI', 'uefi')],
  [11, arch('ARM 64-bit UEFI', 'uefi')],
  [15, arch('x86 UEFI HTTP', 'uefi', true)],
  [16, arch('x64 UEFI HTTP', 'uefi', true)],
  [17, arch('EBC UEFI HTTP', 'uefi', true)],
  [18, arch('ARM 32-bit UEFI HTTP', 'uefi', true)],
  [19, arch('ARM 64-bit UEFI HTTP', 'uefi', true)],
  [20, arch('x86 BIOS HTTP', 'bios', true)],
  [25, arch('RISC-V 32-bit UEFI', 'uefi')],
  [26, arch('RISC-V 32-bit UEFI HTTP', 'uefi', true)],
  [27, arch('RISC-V 64-bit UEFI', 'uefi')],
  [28, arch('RISC-V 64-bit UEFI HTTP', 'uefi', true)],
  [41, arch('ARM rpiboot', 'unknown')],
]);

/** "arch 16 (x64 UEFI HTTP)", or "arch 12" for a code not in the table. */
export function describeArch(code: number): string {
  const info = ARCHITECTURES.get(code);
  return info ? `arch ${code} (${info.name})` : `arch ${code}`;
}

function archFromVendorClass(vc: string): number | undefined {
  const m = /^(?:PXEClient|HTTPClient):Arch:(\d{5})(?::|$)/.exec(vc);
  return m ? Number(m[1]) : undefined;
}

export function classifyClient(req: DhcpPacket): BootClient {
  const vendorClass = getVendorClass(req) ?? '';
  const arch = getClientArch(req)?.[0] ?? archFromVendorClass(vendorClass);
  const ipxeInfo = getIpxeInfo(req);
  const has175 = req.options.has(Opt.ipxeEncap);
  const isIpxe = has175 || (getUserClass(req)?.includes('iPXE') ?? false);
  return {
    arch,
    firmware: arch === undefined ? 'unknown' : (ARCHITECTURES.get(arch)?.firmware ?? 'unknown'),
    isPxe: vendorClass.startsWith('PXEClient'),
    isHttpClient: vendorClass.startsWith('HTTPClient'),
    isIpxe,
    ipxeHttp: isIpxe && (ipxeInfo ? ipxeInfo.http : true),
  };
}

/**
 * Which boot stage a request comes from, for the journal and counters: iPXE itself, a firmware PXE
 * client (PXE 2.1, option 60 "PXEClient"), a UEFI HTTP boot client (UEFI 2.5+ §24.7, option 60
 * "HTTPClient"), or a plain DHCP client (an installer, an OS).
 */
export type BootClientKind = 'ipxe' | 'pxe' | 'http' | 'dhcp';

export function bootClientKind(c: BootClient): BootClientKind {
  if (c.isIpxe) return 'ipxe';
  if (c.isHttpClient) return 'http';
  return c.isPxe ? 'pxe' : 'dhcp';
}

export interface BootFiles {
  /** TFTP file for arch 0 (default undionly.kpxe). */
  bios?: string;
  /** TFTP file for arch 7 and 9 (default snponly.efi; ipxe.efi carries its own NIC drivers). */
  uefi?: string;
  /** URL, or path under httpBase, for arch 16 (default ipxe/snponly.efi). */
  uefiHttp?: string;
  /** Per-arch override (TFTP file, or URL/path for HTTP arches); enables arches with no default. */
  byArch?: Readonly<Record<number, string>>;
}

/** Where a client boots from: the one boot-target type, from the server's settings to the reply. */
export interface BootTarget {
  /** Next-server (siaddr) for TFTP boots. */
  tftpServer: string;
  /** Base of the boot HTTP server, e.g. http://10.77.0.1:8080. */
  httpBase: string;
  /** The per-host iPXE script URL handed to clients already running iPXE. */
  scriptUrl: string;
  files?: BootFiles;
}

export type BootDecision =
  | { kind: 'tftp'; file: string; nextServer: string }
  | { kind: 'http'; url: string; vendorClass?: 'HTTPClient' }
  | { kind: 'none'; reason: string };

type Route = { file: (f: BootFiles) => string } | { missing: string };

/** Default boot file per architecture; arches without a build on the appliance say why. */
const ROUTES: ReadonlyMap<number, Route> = new Map<number, Route>([
  [0, { file: (f) => f.bios ?? 'undionly.kpxe' }],
  // Debian's ipxe package ships no 32-bit EFI build, so IA32 UEFI needs an explicit byArch[6].
  [6, { missing: 'no iPXE build for 32-bit UEFI on this appliance' }],
  [7, { file: (f) => f.uefi ?? 'snponly.efi' }],
  [9, { file: (f) => f.uefi ?? 'snponly.efi' }],
  [10, { missing: 'no iPXE build for arm on this appliance' }],
  [11, { missing: 'no iPXE build for arm on this appliance' }],
  [15, { missing: 'no iPXE build for 32-bit UEFI HTTP boot on this appliance' }],
  [16, { file: (f) => f.uefiHttp ?? 'ipxe/snponly.efi' }],
  [19, { missing: 'no iPXE build for arm64 UEFI HTTP boot on this appliance' }],
]);

function joinUrl(base: string, path: string): string {
  if (/^https?:\/\//i.test(path)) return path;
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

function fileFor(archCode: number, files: BootFiles): string | { reason: string } {
  const override = files.byArch?.[archCode];
  if (override) return override;
  const route = ROUTES.get(archCode);
  if (!route) return { reason: `unsupported client ${describeArch(archCode)}` };
  return 'missing' in route ? { reason: route.missing } : route.file(files);
}

/**
 * The next step for a client: iPXE gets its per-host script over HTTP (this breaks the chainload
 * loop); a PXE client gets an iPXE binary over TFTP; a UEFI HTTP client gets the iPXE EFI binary's
 * URL and must see "HTTPClient" in the reply's option 60. Everyone else gets nothing.
 */
export function decideBoot(client: BootClient, cfg: BootTarget): BootDecision {
  if (client.isIpxe) {
    return client.ipxeHttp
      ? { kind: 'http', url: cfg.scriptUrl }
      : { kind: 'none', reason: 'iPXE without HTTP support: chainloading would loop' };
  }
  if (!client.isPxe && !client.isHttpClient) return { kind: 'none', reason: 'not a PXE or HTTP boot client' };
  if (client.arch === undefined) return { kind: 'none', reason: 'no client architecture (option 93)' };
  const httpArch = ARCHITECTURES.get(client.arch)?.http ?? false;
  if (httpArch !== client.isHttpClient) {
    return { kind: 'none', reason: `vendor class ${client.isHttpClient ? 'HTTPClient' : 'PXEClient'} does not match ${describeArch(client.arch)}` };
  }
  const file = fileFor(client.arch, cfg.files ?? {});
  if (typeof file !== 'string') return { kind: 'none', reason: file.reason };
  return httpArch
    ? { kind: 'http', url: joinUrl(cfg.httpBase, file), vendorClass: 'HTTPClient' }
    : { kind: 'tftp', file, nextServer: cfg.tftpServer };
}
