// A planner-sized SoT for the plans and cluster route tests: two on-demand sites with
// coordinates (Dallas, Chicago), hosts of different sizes in three racks, a workflow.
import { BASE } from '../sot/helpers.js';

function host(name: string, n: number, memory: string, disk: string, rack: string): string {
  return `---
name: ${name}
interfaces:
  - type: physical
    mac: 52:54:00:00:01:${n.toString(16).padStart(2, '0')}
    subnet: net
    ipv4: 10.1.0.${20 + n}
hardware: {cpu_cores: 8, memory: ${memory}, disks: [{size: ${disk}}]}
labels: {rack: ${rack}}
`;
}

export const PLANNER_SOT: Record<string, string> = {
  ...BASE,
  'sites/s1/env.yml': `id: s1
name: Dallas
mode: on-demand
metadata: {latitude: 32.78, longitude: -96.80, clli: DLLSTX, region: south}
subnets:
  - id: net
    cidr: 10.1.0.0/24
agents:
  - name: a1
    asset_server: {addr: 10.1.0.2, port: 8080, scheme: http}
    dhcp_mode: server
`,
  // Sizes chosen so the smallest fitting hosts are unambiguous: small (16G) never fits 64G.
  'sites/s1/rack.yml': `id: rack
${host('small1', 1, '16G', '240G', 'r1')}${host('big1', 2, '128G', '1T', 'r1')}${host('mid1', 3, '64G', '500G', 'r1')}${host('mid2', 4, '64G', '500G', 'r1')}${host('big2', 5, '256G', '2T', 'r2')}${host('mid3', 6, '96G', '960G', 'r3')}`,
  'roles/web.yml': `name: web
display_name: Web
description: a role to try on held hosts
active_version: '1'
versions:
  - {version: '1', workflow: rhel}
`,
  'workflows/rhel.yml': `id: rhel
workflow:
  - boot: b1
`,
};
