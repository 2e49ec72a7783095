// Resource bodies of the lab Redfish BMC, as pure functions of a plain view of the machine.
// Shapes follow DSP0266 (service root, collections, @odata.id/@odata.type, @odata.etag) and the
// DSP8010 schemas named in each @odata.type; only properties Corral's lab can fill are present.

import { createHash } from 'node:crypto';
import type { Json } from './messages.js';

export const V1 = '/redfish/v1';

/** BootSourceOverrideTarget values the lab machine can honour (ComputerSystem.BootSource). */
export const BOOT_TARGETS = ['None', 'Pxe', 'Hdd'] as const;
export type BootTarget = (typeof BOOT_TARGETS)[number];
export const BOOT_ENABLED = ['Disabled', 'Once', 'Continuous'] as const;
export type BootEnabled = (typeof BOOT_ENABLED)[number];
export type BootMode = 'Legacy' | 'UEFI';
/** ResetType values (Resource.ResetType) this BMC implements; see control.ts for what each does. */
export const RESET_TYPES = ['On', 'ForceOn', 'ForceOff', 'GracefulShutdown', 'ForceRestart', 'PowerCycle', 'PushPowerButton'] as const;
export type ResetType = (typeof RESET_TYPES)[number];

export interface Ids {
  system: string;
  manager: string;
  chassis: string;
}

export interface BootView {
  enabled: BootEnabled;
  target: BootTarget;
  mode: BootMode;
}

export interface SystemView {
  ids: Ids;
  name: string;
  uuid: string;
  power: 'On' | 'Off';
  memoryMiB: number;
  cpus?: number;
  mac: string;
  boot: BootView;
}

export const uri = {
  root: `${V1}/`,
  systems: `${V1}/Systems`,
  system: (ids: Ids) => `${V1}/Systems/${ids.system}`,
  reset: (ids: Ids) => `${V1}/Systems/${ids.system}/Actions/ComputerSystem.Reset`,
  nics: (ids: Ids) => `${V1}/Systems/${ids.system}/EthernetInterfaces`,
  nic: (ids: Ids) => `${V1}/Systems/${ids.system}/EthernetInterfaces/1`,
  managers: `${V1}/Managers`,
  manager: (ids: Ids) => `${V1}/Managers/${ids.manager}`,
  chassisAll: `${V1}/Chassis`,
  chassis: (ids: Ids) => `${V1}/Chassis/${ids.chassis}`,
  sessionService: `${V1}/SessionService`,
  sessions: `${V1}/SessionService/Sessions`,
  session: (id: string) => `${V1}/SessionService/Sessions/${id}`,
};

const link = (id: string): Json => ({ '@odata.id': id });
const OK = { State: 'Enabled', Health: 'OK' };

/** GET /redfish: the protocol versions document (DSP0266 "Protocol version"). */
export function versions(): Json {
  return { v1: `${V1}/` };
}

export function serviceRoot(serviceUuid: string): Json {
  return {
    '@odata.id': uri.root,
    '@odata.type': '#ServiceRoot.v1_15_0.ServiceRoot',
    Id: 'RootService',
    Name: 'Corral lab Redfish service',
    RedfishVersion: '1.15.0',
    UUID: serviceUuid,
    Product: 'Corral lab BMC',
    Vendor: 'Corral',
    // Query parameters are not implemented; DSP0266 asks services to say so here.
    ProtocolFeaturesSupported: {
      ExpandQuery: { ExpandAll: false, Levels: false, Links: false, NoLinks: false },
      FilterQuery: false,
      SelectQuery: false,
      OnlyMemberQuery: false,
      ExcerptQuery: false,
    },
    Systems: link(uri.systems),
    Managers: link(uri.managers),
    Chassis: link(uri.chassisAll),
    SessionService: link(uri.sessionService),
    Links: { Sessions: link(uri.sessions) },
  };
}

/** /redfish/v1/odata: the OData service document DSP0266 requires, listing the top-level resources. */
export function odataService(): Json {
  const entry = (name: string, url: string) => ({ name, kind: 'Singleton', url });
  return {
    '@odata.context': `${V1}/$metadata`,
    value: [entry('Service', uri.root), entry('Systems', uri.systems), entry('Managers', uri.managers), entry('Chassis', uri.chassisAll), entry('SessionService', uri.sessionService)],
  };
}

export function collection(id: string, type: string, name: string, members: string[]): Json {
  return { '@odata.id': id, '@odata.type': `#${type}.${type}`, Name: name, 'Members@odata.count': members.length, Members: members.map(link) };
}

export function sessionService(timeoutS: number): Json {
  return {
    '@odata.id': uri.sessionService,
    '@odata.type': '#SessionService.v1_1_8.SessionService',
    Id: 'SessionService',
    Name: 'Session Service',
    ServiceEnabled: true,
    SessionTimeout: timeoutS,
    Status: OK,
    Sessions: link(uri.sessions),
  };
}

/** A Session; the Password property is write-only and never echoed (DSP8010 Session schema). */
export function session(id: string, userName: string): Json {
  return { '@odata.id': uri.session(id), '@odata.type': '#Session.v1_5_0.Session', Id: id, Name: `User Session ${id}`, UserName: userName };
}

export function computerSystem(v: SystemView): Json {
  return {
    '@odata.id': uri.system(v.ids),
    '@odata.type': '#ComputerSystem.v1_20_0.ComputerSystem',
    Id: v.ids.system,
    Name: v.name,
    SystemType: 'Physical',
    Manufacturer: 'Corral',
    Model: 'Virtual lab machine',
    UUID: v.uuid,
    PowerState: v.power,
    Status: OK,
    Boot: {
      BootSourceOverrideEnabled: v.boot.enabled,
      'BootSourceOverrideEnabled@Redfish.AllowableValues': [...BOOT_ENABLED],
      BootSourceOverrideTarget: v.boot.target,
      'BootSourceOverrideTarget@Redfish.AllowableValues': [...BOOT_TARGETS],
      // The VM's firmware is fixed when it is defined, so the one mode it has is the only value.
      BootSourceOverrideMode: v.boot.mode,
      'BootSourceOverrideMode@Redfish.AllowableValues': [v.boot.mode],
    },
    MemorySummary: { TotalSystemMemoryGiB: Math.round((v.memoryMiB / 1024) * 1000) / 1000, Status: OK },
    ProcessorSummary: v.cpus === undefined ? { Status: OK } : { Count: v.cpus, Status: OK },
    EthernetInterfaces: link(uri.nics(v.ids)),
    Links: { ManagedBy: [link(uri.manager(v.ids))], Chassis: [link(uri.chassis(v.ids))] },
    Actions: {
      '#ComputerSystem.Reset': { target: uri.reset(v.ids), 'ResetType@Redfish.AllowableValues': [...RESET_TYPES] },
    },
  };
}

/** The machine's one NIC, so clients that inspect hardware (e.g. Ironic through sushy) see its MAC. */
export function ethernetInterface(v: SystemView): Json {
  return {
    '@odata.id': uri.nic(v.ids),
    '@odata.type': '#EthernetInterface.v1_9_0.EthernetInterface',
    Id: '1',
    Name: 'Ethernet interface 1',
    MACAddress: v.mac,
    PermanentMACAddress: v.mac,
    InterfaceEnabled: true,
    LinkStatus: v.power === 'On' ? 'LinkUp' : 'LinkDown',
    Status: OK,
  };
}

export function manager(v: SystemView, serviceUuid: string): Json {
  return {
    '@odata.id': uri.manager(v.ids),
    '@odata.type': '#Manager.v1_16_0.Manager',
    Id: v.ids.manager,
    Name: `BMC of ${v.name}`,
    ManagerType: 'BMC',
    Manufacturer: 'Corral',
    Model: 'Lab virtual BMC',
    UUID: serviceUuid,
    // The BMC is this process: it is on whenever it can answer.
    PowerState: 'On',
    Status: OK,
    Links: { ManagerForServers: [link(uri.system(v.ids))], ManagerForChassis: [link(uri.chassis(v.ids))] },
  };
}

export function chassis(v: SystemView): Json {
  return {
    '@odata.id': uri.chassis(v.ids),
    '@odata.type': '#Chassis.v1_21_0.Chassis',
    Id: v.ids.chassis,
    Name: `Chassis of ${v.name}`,
    ChassisType: 'RackMount',
    Manufacturer: 'Corral',
    Model: 'Virtual lab machine',
    UUID: v.uuid,
    PowerState: v.power,
    Status: OK,
    Links: { ComputerSystems: [link(uri.system(v.ids))], ManagedBy: [link(uri.manager(v.ids))] },
  };
}

/**
 * A weak entity tag over the body (RFC 9110 section 8.8.3): any change of state changes the body and so
 * the tag. Hex only, so clients that parse W/"..." with \w (sushy) accept it.
 */
export function etagOf(body: Json): string {
  const { '@odata.etag': _drop, ...rest } = body;
  return `W/"${createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 20)}"`;
}

/** The body with its @odata.etag annotation (DSP0266 "ETags"), equal to the ETag header. */
export function withEtag(body: Json): { body: Json; etag: string } {
  const etag = etagOf(body);
  return { body: { ...body, '@odata.etag': etag }, etag };
}

/** A stable name-based UUID (RFC 9562 version 5 layout over SHA-1) for the service itself. */
export function derivedUuid(seed: string): string {
  const h = createHash('sha1').update(`corral-lab-redfish\0${seed}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
