// Domain types of the source of truth (SoT): what the operator declares in YAML.
// Field names are camelCase here; the YAML (and the template context) keep Vaquero's snake_case.
// docs/sot.md is the user-facing reference for every field.

/** A MAC address, normalised to lower-case colon form ("52:54:00:77:00:01"). */
export type Mac = string & { readonly __brand: 'Mac' };

/** Where a declaration came from, for file:line:col messages. Lines and columns start at 1. */
export interface SourceRef {
  file: string;
  line: number;
  col: number;
}

export type Metadata = Record<string, unknown>;

/** A value that must never be logged or returned by an API: inline, from an env var, or from a file. */
export type SecretRef =
  | { kind: 'inline'; value: string }
  | { kind: 'env'; name: string }
  | { kind: 'file'; path: string };

export type DhcpMode = 'server' | 'proxy';
export type ProvisionMode = 'auto' | 'on-demand';
export type Firmware = 'bios' | 'uefi';

/** A DHCP option added to every reply on a subnet (Vaquero `dhcp_options`). */
export interface DhcpOptionSpec {
  option: number;
  type: 'string' | 'uint8' | 'uint16' | 'uint32' | 'int8' | 'int16' | 'int32' | 'address' | 'addresses' | 'base64' | 'bool';
  value: unknown;
}

export interface AddressRange {
  start: string;
  end: string;
}

export interface Subnet {
  id: string;
  cidr: string;
  /** Network address and prefix length derived from cidr. */
  network: string;
  prefix: number;
  netmask: string;
  gateway?: string;
  dns: string[];
  ntp: string[];
  domain?: string;
  vlan: number;
  /** Overrides the agent's dhcp_mode for this subnet. */
  dhcpMode?: DhcpMode;
  /** Lease time in seconds handed with server-mode offers (option 51). */
  leaseTime?: number;
  dhcpOptions: DhcpOptionSpec[];
  metadata: Metadata;
  source: SourceRef;
}

/** Vaquero's per-site agent: where boot services run and how they answer. */
export interface Agent {
  name: string;
  assetServer: {
    addr?: string;
    port?: number;
    baseDir?: string;
    scheme: 'http' | 'https';
    cdnAddr?: string;
    cdnPort?: number;
    cdnScheme?: string;
  };
  tftpServer?: { baseDir?: string };
  dhcpMode: DhcpMode;
  savePath?: string;
  /** Extension: the network interface the boot services bind (e.g. "br0"). */
  interface?: string;
  /** Extension: answer IPv6 router solicitations with a zero-lifetime RA (cuts iPXE's 14 s IPv6 wait). */
  ipv6Ra?: boolean;
  raw: Metadata;
}

export interface Discovery {
  enabled: boolean;
  subnet?: string;
  range?: AddressRange;
  workflow?: string;
}

export interface Site {
  id: string;
  name: string;
  mode: ProvisionMode;
  subnets: Subnet[];
  agents: Agent[];
  discovery: Discovery;
  metadata: Metadata;
  releaseTag?: string;
  sotId?: string;
  clusterIds: string[];
  source: SourceRef;
}

export interface Cluster {
  /** Unique within its site; defaults to the file name without extension. */
  id: string;
  siteId: string;
  name: string;
  description?: string;
  config?: Metadata;
  metadata: Metadata;
  hostIds: string[];
  source: SourceRef;
}

/** `qemu`: a VM Corral runs itself (a pool with provider qemu); never written in YAML, only synthesised. */
export type BmcType = 'ipmi' | 'redfish' | 'ssh' | 'custom' | 'qemu';

export interface BmcConfig {
  type: BmcType;
  /** Defaults to the interface's ipv4. */
  address?: string;
  port?: number;
  username?: string;
  password?: SecretRef;
  /** IPMI RMCP+ cipher suite (ipmitool -C); unset = ipmitool's default (17). */
  cipherSuite?: number;
  /** Redfish: accept a self-signed certificate. */
  insecure?: boolean;
  /** Redfish system id; unset = the first member of /Systems. */
  systemId?: string;
  softReboot: boolean;
  /** Seconds to wait for a soft power off before forcing; 0 = never force. */
  softTimeout?: number;
  keypath?: string;
  container?: Metadata;
}

export interface Interface {
  type: 'physical' | 'bmc';
  mac?: Mac;
  subnet?: string;
  ipv4?: string;
  ipv6?: string;
  identifier?: string;
  hostname?: string;
  ignoreDhcp: boolean;
  bmc?: BmcConfig;
  source: SourceRef;
}

export interface Disk {
  name?: string;
  sizeBytes: number;
  type?: 'hdd' | 'ssd' | 'nvme';
}

/** Hardware facts the planner and pools match on. */
export interface Hardware {
  cpuCores?: number;
  cpuModel?: string;
  memoryBytes?: number;
  disks: Disk[];
  arch: 'x86_64' | 'arm64';
  firmware: Firmware;
  gpus?: number;
}

export interface Host {
  /** The host name, unique across the whole SoT: the id in every API. */
  id: string;
  name: string;
  siteId: string;
  clusterId: string;
  interfaces: Interface[];
  metadata: Metadata;
  workflow?: string;
  role?: { name: string; version?: string };
  neverProvision: boolean;
  hardware: Hardware;
  /** Free-form placement labels; rack, zone and location are the well-known ones. */
  labels: Record<string, string>;
  tags: string[];
  source: SourceRef;
}

export interface CmdlineEntry {
  key: string;
  /** undefined or '' renders as a bare flag ("key"); otherwise "key=value" (templated). */
  value?: string;
}

export interface Os {
  id: string;
  name: string;
  majorVersion?: string;
  minorVersion?: string;
  osFamily?: string;
  releaseName?: string;
  kernel: string;
  initrd: string[];
  cmdline: CmdlineEntry[];
  /** Optional iPXE template (a file under assets/ipxe/) replacing the built-in one. */
  ipxeTemplate?: string;
  raw: Metadata;
  source: SourceRef;
}

export type UnattendedType = 'ignition' | 'cloud-config' | 'kickstart' | 'preseed' | 'untyped';

export interface Boot {
  id: string;
  name: string;
  os: string;
  unattended?: { type: UnattendedType; use: string };
  metadata: Metadata;
  validate: Metadata[];
  beforeShutdown: Metadata[];
  /** Checkpoints the installer reports before this boot counts as done (default 1). */
  checkpoints: number;
  source: SourceRef;
}

export interface WorkflowDeps {
  maxConcurrent?: number;
  minStanding?: number;
  blockDeps: string[];
  validateOn: string[];
  maxFail?: number;
}

export interface Workflow {
  id: string;
  boots: string[];
  deps: WorkflowDeps;
  source: SourceRef;
}

/** A template file under assets/<type>/ (snippets/ holds `define`d blocks shared by all of that type). */
export interface Asset {
  type: UnattendedType | 'ipxe';
  name: string;
  file: string;
  text: string;
  snippet: boolean;
}

export interface RoleVersion {
  version: string;
  workflow: string;
  description?: string;
  config?: Metadata;
}

export interface Role {
  name: string;
  displayName: string;
  description: string;
  activeVersion: string;
  versions: RoleVersion[];
  defaultSettings: Metadata;
  customizableSettings: Metadata;
  source: SourceRef;
}

export interface HostSelector {
  sites: string[];
  clusters: string[];
  hosts: string[];
  labels: Record<string, string>;
  minCpuCores?: number;
  minMemoryBytes?: number;
  minDiskBytes?: number;
  firmware?: Firmware;
}

export interface Pool {
  name: string;
  aliases: string[];
  workflow?: string;
  role?: string;
  size: number;
  selector: HostSelector;
  /** Seconds. vmpooler counts whole hours; Corral keeps seconds and shows hours in the vmpooler API. */
  defaultLifetime: number;
  maxLifetime: number;
  /** Where the pool's hosts come from: SoT machines (baremetal, also when unset) or VMs Corral runs (qemu). */
  provider?: PoolProvider;
  /** provider qemu: the VMs to run (src/pools/qemu). */
  qemu?: QemuPoolSpec;
  source: SourceRef;
}

export type PoolProvider = 'baremetal' | 'qemu';

/** A qemu pool's VMs: `vms` hosts "<pool>-vm<N>" synthesised into `site`/`cluster` at load. */
export interface QemuPoolSpec {
  vms: number;
  site: string;
  subnet: string;
  /** Defaults to the pool's name (a cluster of that id is made when the site has none). */
  cluster: string;
  /** VM N gets ipStart + N - 1; unset = the subnet's last `vms` addresses below broadcast. */
  ipStart?: string;
  memoryBytes: number;
  cpus: number;
  /** Size of each VM's disk (the base image's, when Corral makes it). */
  diskBytes: number;
  /** A qcow2 base image to put the VMs' overlays on; unset = a blank one Corral creates. */
  image?: string;
  firmware: Firmware;
  /** The bridge the VMs' taps join: the provisioning network the boot services serve. */
  bridge: string;
}

/** The whole loaded SoT, normalised and cross-checked. */
export interface Sot {
  /** Content hash of every file read (12 hex chars). */
  revision: string;
  root: string;
  sites: Site[];
  clusters: Cluster[];
  hosts: Host[];
  oses: Os[];
  boots: Boot[];
  workflows: Workflow[];
  assets: Asset[];
  roles: Role[];
  pools: Pool[];
}

export type ProblemSeverity = 'error' | 'warning';

/** One thing wrong in the SoT, pointing at the YAML that says it. */
export interface Problem extends SourceRef {
  severity: ProblemSeverity;
  message: string;
  /** The text of the line it points at (trimmed to 240 characters), when the file was read. */
  excerpt?: string;
}
