// The SoT's document kinds as data: Vaquero's documented fields (CiscoCloud/vaquero-docs,
// data-model-howto "Schemas") plus Corral's extensions (docs/sot.md marks which are which).
import type { Field, Shape } from './shape.js';

const str: Shape = { t: 'string' };
const strList: Shape = { t: 'list', of: str };
const map: Shape = { t: 'map' };
const bool: Shape = { t: 'bool' };
const int = (min?: number, max?: number): Shape => ({ t: 'int', ...(min !== undefined && { min }), ...(max !== undefined && { max }) });
const obj = (name: string, fields: Record<string, Field>): Shape => ({ t: 'object', name, fields });
const opt = (shape: Shape): Field => ({ shape });
const req = (shape: Shape): Field => ({ shape, required: true });
const list = (of: Shape, min?: number): Shape => ({ t: 'list', of, ...(min !== undefined && { min }) });

/** Ids that can appear in URLs and file names. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const id: Shape = { t: 'string', pattern: ID_PATTERN, hint: 'a valid id (letters, digits, ".", "_", "-")' };

/** Vaquero's container spec (validate, before_shutdown, bmc.container): kept, not run by Corral. */
const container = obj('container', {
  image: opt(str),
  pull: opt({ t: 'any' }),
  command: opt(str),
  commands: opt({ t: 'any' }),
  args: opt({ t: 'list', of: { t: 'any' } }),
  env: opt({ t: 'any' }),
  retry: opt(int(0)),
  timeout: opt(int(0)),
  registry_auth: opt(obj('registry_auth', { url: opt(str), username: opt(str), password: opt(str) })),
});

const secret: Shape = {
  t: 'oneOf',
  describe: 'a string or a mapping with "env" or "file"',
  options: [str, obj('secret reference', { env: opt(str), file: opt(str) })],
};

const dhcpOption = obj('dhcp option', {
  option: req(int(1, 254)),
  type: req({ t: 'string', enum: ['string', 'uint8', 'uint16', 'uint32', 'int8', 'int16', 'int32', 'address', 'addresses', 'base64', 'bool'] }),
  value: req({ t: 'any' }),
});

const range: Shape = {
  t: 'oneOf',
  describe: 'a range "first-last" or a mapping with start and end',
  options: [str, obj('range', { start: req(str), end: req(str) })],
};

export const SUBNET = obj('subnet', {
  id: req(id),
  cidr: req(str),
  gateway: opt(str),
  dns: opt(strList),
  ntp: opt(strList),
  domain: opt(str),
  domain_name: opt(str),
  vlan: opt(int(0, 4094)),
  dhcp_mode: opt({ t: 'string', enum: ['server', 'proxy'] }),
  lease_time: opt({ t: 'duration' }),
  dhcp_options: opt(list(dhcpOption)),
  metadata: opt(map),
});

export const AGENT = obj('agent', {
  name: opt(str),
  id: opt(str),
  asset_server: opt(
    obj('asset_server', {
      addr: opt(str),
      port: opt(int(1, 65535)),
      base_dir: opt(str),
      scheme: opt({ t: 'string', enum: ['http', 'https'] }),
      cdn_addr: opt(str),
      cdn_port: opt(int(1, 65535)),
      cdn_scheme: opt(str),
    }),
  ),
  tftp_server: opt(obj('tftp_server', { base_dir: opt(str) })),
  dhcp_mode: opt({ t: 'string', enum: ['server', 'proxy'] }),
  save_path: opt(str),
  ssh_container: opt(str),
  ipmi_container: opt(str),
  interface: opt(str),
  ipv6_ra: opt(bool),
});

export const ENV: Record<string, Field> = {
  id: req(id),
  name: opt(str),
  mode: opt({ t: 'string', enum: ['auto', 'on-demand'] }),
  subnets: opt(list(SUBNET)),
  agents: opt(list(AGENT)),
  agent: opt(str),
  discovery: opt(
    obj('discovery', { enabled: opt(bool), subnet: opt(str), range: opt(range), workflow: opt(str) }),
  ),
  metadata: opt(map),
  release_tag: opt(str),
  sot_id: opt(str),
};

const BMC = obj('bmc', {
  type: req({ t: 'string', enum: ['ipmi', 'redfish', 'ssh', 'custom'] }),
  address: opt(str),
  port: opt(int(1, 65535)),
  username: opt(str),
  password: opt(secret),
  cipher_suite: opt(int(0, 17)),
  insecure: opt(bool),
  system_id: opt(str),
  soft_reboot: opt(bool),
  soft_timeout: opt(int(0)),
  keypath: opt(str),
  container: opt(container),
});

const INTERFACE = obj('interface', {
  type: opt({ t: 'string', enum: ['physical', 'bmc'] }),
  mac: opt(str),
  subnet: opt(str),
  ipv4: opt(str),
  ipv6: opt(str),
  identifier: opt(str),
  hostname: opt(str),
  ignore_dhcp: opt(bool),
  bmc: opt(BMC),
});

const DISK = obj('disk', {
  name: opt(str),
  size: req({ t: 'size' }),
  type: opt({ t: 'string', enum: ['hdd', 'ssd', 'nvme'] }),
});

const HARDWARE = obj('hardware', {
  cpu_cores: opt(int(1)),
  cpu_model: opt(str),
  memory: opt({ t: 'size' }),
  disks: opt(list(DISK)),
  arch: opt({ t: 'string', enum: ['x86_64', 'arm64'] }),
  firmware: opt({ t: 'string', enum: ['bios', 'uefi'] }),
  gpus: opt(int(0)),
});

export const HOST: Record<string, Field> = {
  name: req(id),
  interfaces: req(list(INTERFACE, 1)),
  metadata: opt(map),
  workflow: opt(str),
  role: opt({
    t: 'oneOf',
    describe: 'a role name or a mapping with name and version',
    options: [str, obj('role reference', { name: req(str), version: opt(str) })],
  }),
  never_provision: opt(bool),
  hardware: opt(HARDWARE),
  labels: opt({ t: 'map', values: str }),
  tags: opt(strList),
};

export const CLUSTER: Record<string, Field> = {
  id: opt(id),
  name: opt(str),
  description: opt(str),
  config: opt(obj('cluster config', { id: opt(str), type: opt(str), url: opt(str), ref: opt(str), token: opt(str) })),
  metadata: opt(map),
};

const cmdlineEntry: Shape = { t: 'map' };

export const OS: Record<string, Field> = {
  id: req(id),
  name: opt(str),
  major_version: opt(str),
  minor_version: opt(str),
  os_family: opt(str),
  release_name: opt(str),
  boot: req(obj('os boot', { kernel: req(str), initrd: opt(strList) })),
  cmdline: opt(list(cmdlineEntry)),
  ipxe_template: opt(str),
};

export const BOOT: Record<string, Field> = {
  id: req(id),
  name: opt(str),
  operating_system: req(str),
  unattended: opt(
    obj('unattended', {
      type: req({ t: 'string', enum: ['ignition', 'cloud-config', 'kickstart', 'preseed', 'untyped'] }),
      use: req(str),
    }),
  ),
  metadata: opt(map),
  validate: opt(list(container)),
  before_shutdown: opt(list(container)),
  checkpoints: opt(int(0, 100)),
};

export const WORKFLOW: Record<string, Field> = {
  id: req(id),
  workflow: req(list(obj('workflow step', { boot: req(str) }), 1)),
  deps: opt(
    obj('deps', {
      max_concurrent: opt(int(1)),
      min_standing: opt(int(0)),
      block_deps: opt(strList),
      validate_on: opt(strList),
      max_fail: opt(int(0)),
    }),
  ),
};

export const ROLE: Record<string, Field> = {
  name: req(id),
  display_name: opt(str),
  description: opt(str),
  active_version: req(str),
  versions: req(
    list(
      obj('role version', { version: req(str), workflow: req(str), description: opt(str), config: opt(map) }),
      1,
    ),
  ),
  default_settings: opt(map),
  customizable_settings: opt(map),
};

export const POOL: Record<string, Field> = {
  name: req(id),
  aliases: opt({ t: 'oneOf', describe: 'a name or a list of names', options: [strList, str] }),
  workflow: opt(str),
  role: opt(str),
  size: req(int(0)),
  selector: opt(
    obj('selector', {
      sites: opt(strList),
      site: opt(str),
      clusters: opt(strList),
      cluster: opt(str),
      hosts: opt(strList),
      labels: opt({ t: 'map', values: str }),
      min_cpu_cores: opt(int(1)),
      min_memory: opt({ t: 'size' }),
      min_disk: opt({ t: 'size' }),
      firmware: opt({ t: 'string', enum: ['bios', 'uefi'] }),
    }),
  ),
  lifetime: opt({ t: 'duration' }),
  max_lifetime: opt({ t: 'duration' }),
  // provider qemu (src/pools/qemu): VMs Corral runs itself; build-catalog checks which apply.
  provider: opt({ t: 'string', enum: ['baremetal', 'qemu'] }),
  vms: opt(int(1, 250)),
  site: opt(id),
  subnet: opt(id),
  cluster: opt(id),
  ip_start: opt(str),
  memory: opt({ t: 'size' }),
  cpus: opt(int(1, 64)),
  disk: opt({ t: 'size' }),
  image: opt(str),
  firmware: opt({ t: 'string', enum: ['bios', 'uefi'] }),
  bridge: opt(str),
};
