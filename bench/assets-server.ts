// Corral for bench/assets.ts: the appliance with boot HTTP (assets from ASSETS_DIR, served by
// ASSET_SERVER = builtin|nginx) and DHCP, both on 127.0.0.1, DHCP answering a relay on loopback
// (DHCP_RELAY_PORT: the bench's probe) for 20 hosts on 127.0.0.0/24, API on API_PORT. Prints
// "ready" once up; runs until SIGTERM. Run: node --import tsx bench/assets-server.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeProbeSubnet } from './assets-probe.js';
import { generateSot } from './sot-gen.js';
import { startAppliance } from '../src/appliance.js';
import { nullLogger } from '../src/lib/log.js';

const env = (k: string) => {
  const v = process.env[k];
  if (v === undefined) throw new Error(`${k} is not set`);
  return v;
};
const root = mkdtempSync(join(tmpdir(), 'corral-assets-bench-'));
const sotDir = join(root, 'sot');
generateSot(sotDir, 100, { mode: 'on-demand', bmc: false });
writeProbeSubnet(sotDir);

const app = await startAppliance(
  {
    sotDir, dataDir: join(root, 'data'), apiHost: '127.0.0.1', apiPort: Number(env('API_PORT')), watch: false,
    boot: {
      address: '127.0.0.1', httpPort: Number(env('HTTP_PORT')), tftpPort: 0, dhcpPort: Number(env('DHCP_PORT')), dhcpClientPort: 0, proxyPort: 0,
      dhcpRelayPort: Number(env('DHCP_RELAY_PORT')), dhcp: true, tftp: false, http: true,
      assetsDir: env('ASSETS_DIR'), assetServer: env('ASSET_SERVER') as 'builtin' | 'nginx',
    },
  },
  { log: nullLogger },
);
const http = app.boot!.status().http;
if (http.state !== 'running') throw new Error(`boot HTTP ${http.state}: ${JSON.stringify(http)}`);
process.stdout.write(`ready ${JSON.stringify((http.stats as { assets: unknown }).assets)}\n`);
const stop = async () => {
  await app.stop();
  rmSync(root, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
