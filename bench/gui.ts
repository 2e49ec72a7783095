// The operator GUI at scale, in Chromium: first paint and time to interactive of the dashboard
// and the host table with N hosts (default 10,000), scroll and filter times, bundle size.
// Run: npm run bench:gui [-- --hosts 10000]   (needs /usr/bin/chromium; builds the GUI if needed)
import { parseArgs } from 'node:util';
import { generateSot } from './sot-gen.js';
import { chromiumMissing, ensureGuiBuilt, launch, login, startLab } from '../test/gui/harness.js';
import { formatFigures, measureGui } from '../test/gui/measure.js';

const { values } = parseArgs({ options: { hosts: { type: 'string', default: '10000' }, runs: { type: 'string', default: '1' } } });
const hosts = Number(values.hosts);
const missing = chromiumMissing();
if (missing) {
  process.stderr.write(`bench:gui: ${missing}\n`);
  process.exit(2);
}
await ensureGuiBuilt();
const lab = await startLab((dir) => generateSot(dir, hosts, { mode: 'on-demand', bmc: false }));
const browser = await launch();
try {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  await login(page, lab.base);
  for (let i = 0; i < Number(values.runs); i++) {
    const f = await measureGui(page, lab.base, hosts);
    process.stdout.write(`${formatFigures(f)}\n${JSON.stringify(f)}\n`);
  }
} finally {
  await browser.close();
  await lab.close();
}
