// Electron main process: starts the appliance core in-process (the same startAppliance the
// headless `corral serve` uses) and opens the operator window on its API. No domain logic here.
import { app } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lockDown } from './security.js';
import { openWindow } from './window.js';

let base = 'http://127.0.0.1:8080';
lockDown(() => base);

async function main(): Promise<void> {
  await app.whenReady();
  const here = dirname(fileURLToPath(import.meta.url));
  // The compiled core (dist/src), started in-process exactly as `corral serve` starts it.
  const core = (await import('../src/appliance.js')) as typeof import('../src/appliance.js');
  const data = join(app.getPath('userData'), 'data');
  const sot = process.env.CORRAL_SOT ?? join(here, '../../examples/lab');
  const appliance = await core.startAppliance({ sotDir: sot, dataDir: data, apiHost: '127.0.0.1', apiPort: 0 });
  base = `http://127.0.0.1:${appliance.apiAddress.port}`;
  openWindow(base, core.corralVersion());
  app.on('window-all-closed', () => {
    void appliance.stop().then(() => app.quit());
  });
}

void main();
