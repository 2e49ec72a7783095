// A Redfish virtual BMC for one lab machine (DMTF DSP0266): see server.ts for the HTTPS front,
// routes.ts for the URIs, resources.ts for the bodies and control.ts for the machine mapping.
export { startRedfishBmc, type RedfishBmc, type RedfishBmcOptions } from './server.js';
export type { LabMachineExtras } from './control.js';
