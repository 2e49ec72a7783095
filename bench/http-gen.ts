// Writes the 10,000-host SoT for bench/http.sh (auto site, no BMCs: nothing is powered) and the
// wrk script that asks for every host's iPXE script in turn.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSot } from './sot-gen.js';

const [root, hostsText] = process.argv.slice(2);
const hosts = Number(hostsText ?? 10000);
generateSot(join(root!, 'sot'), hosts, { mode: 'auto', bmc: false });
const macs: string[] = [];
for (let n = 0; n < hosts; n++) {
  const s = Math.floor(n / 5000);
  const i = n % 5000;
  macs.push(['52', '54', s.toString(16).padStart(2, '0'), '00', ((i >> 8) & 255).toString(16).padStart(2, '0'), (i & 255).toString(16).padStart(2, '0')].join('-'));
}
writeFileSync(
  join(root!, 'rotate.lua'),
  `local macs = {${macs.map((m) => `"${m}"`).join(',')}}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format("GET", "/ipxe/" .. macs[(i % #macs) + 1])\nend\n`,
);
