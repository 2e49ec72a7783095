// BMC power control: drivers per SoT bmc.type behind one registry (serialised per BMC,
// globally limited, timed out, retried). Start with bmcTargetFor(host) and createBmcRegistry().
export * from './types.js';
export { resolveSecret, type SecretContext } from './secrets.js';
export { bmcTargetFor, type ResolvedBmc } from './target.js';
export { createIpmiDriver, type IpmiExec, type IpmiOptions, IPMI_DEFAULT_PORT } from './ipmi.js';
export { createRedfishDriver, type RedfishOptions } from './redfish.js';
export { REDFISH_DEFAULT_PORT } from './redfish-client.js';
export { createBmcRegistry, type BmcRef, type BmcRegistry, type BmcRegistryDeps } from './registry.js';
