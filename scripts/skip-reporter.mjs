// Skipped tests, so that nothing real is skipped silently. Two roles in one file:
//
// 1. A node:test reporter (`--test-reporter=./scripts/skip-reporter.mjs
//    --test-reporter-destination=FILE`): writes one JSON line per skipped test or suite
//    ({ file, name, reason, suite }), the name prefixed with its enclosing suites.
// 2. A summary (`node scripts/skip-reporter.mjs FILE`): prints every skip with its reason and
//    the total. With CI=true as root, where scripts/test.sh has installed every Debian package
//    the tests use, a skip of a test that needs a real part (QEMU, ipmi_sim, Redfish clients,
//    network namespaces, perfdhcp, TFTP/DHCP clients, Chromium, openssl, ...) means that part
//    went untested: the summary names those and exits 1. As a normal user, skipping them is
//    expected (no root, packages not installed), so it only lists them.
//
// Node 20 reports a skip as a `test:pass` event carrying `skip` (the reason string, or true);
// a skipped suite is one event with `details.type === 'suite'` and its tests are not reported.
// Events of a suite's tests arrive before the suite's own event, which is how names get their
// suite prefixes.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export default async function* skipReporter(source) {
  /** Skips seen whose enclosing suites have not all reported yet (level: outermost nesting seen). */
  const open = [];
  for await (const ev of source) {
    if (ev.type !== 'test:pass' && ev.type !== 'test:fail') continue;
    const d = ev.data;
    for (const s of open) {
      if (s.file === d.file && d.nesting < s.level) {
        s.path.unshift(d.name);
        s.level = d.nesting;
      }
    }
    if (d.skip !== undefined && d.skip !== false) {
      open.push({ file: d.file, path: [d.name], level: d.nesting, reason: d.skip, suite: d.details?.type === 'suite' });
    }
    // Top-level events close everything of their file: those skips are complete now.
    if (d.nesting === 0) {
      for (let i = open.length - 1; i >= 0; i--) {
        const s = open[i];
        if (s.file !== d.file || s.level !== 0) continue;
        open.splice(i, 1);
        yield `${JSON.stringify({ file: s.file, name: s.path.join(' > '), reason: s.reason, suite: s.suite })}\n`;
      }
    }
  }
  // Anything left (a file cut off mid-suite) is still a skip worth reporting.
  for (const s of open) yield `${JSON.stringify({ file: s.file, name: s.path.join(' > '), reason: s.reason, suite: s.suite })}\n`;
}

/** The real parts a test may need, each recognised in the test's file, name or skip reason. */
const REAL_PARTS = [
  ['QEMU', /qemu|\bkvm\b|ovmf|(^|\/)test\/(e2e|lab)\//i],
  ['ipmi_sim', /ipmi[_-]sim|openipmi|ipmitool|freeipmi/i],
  ['Redfish clients', /redfishtool|sushy/i],
  ['root, network namespaces', /namespace|netns|needs root|as root/i],
  ['perfdhcp', /perfdhcp|\bkea\b/i],
  ['TFTP clients', /tftp-hpa|atftp|\bcurl\b|(^|\/)test\/tftp\/clients\./i],
  ['DHCP clients', /dhclient|isc-dhcp/i],
  ['Chromium', /chromium|browser/i],
  ['openssl', /openssl/i],
  // Whatever else says a tool is missing: scripts/test.sh installs every tool the tests use.
  ['a Debian package', /not installed|apt-get install|command not found/i],
];

/** The real part a skip stands for, or undefined for a skip that needs nothing from the machine. */
export function realPart(skip) {
  const text = `${skip.file ?? ''} ${skip.name} ${typeof skip.reason === 'string' ? skip.reason : ''}`;
  return REAL_PARTS.find(([, re]) => re.test(text))?.[0];
}

function summarize(path) {
  const skips = readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const where = (s) => (s.file ? relative(process.cwd(), s.file) : '?');
  const line = (s) => `  ${where(s)}: ${s.suite ? 'suite ' : ''}"${s.name}": ${typeof s.reason === 'string' ? s.reason : '(no reason given)'}`;
  console.log(`\n== skipped tests and suites: ${skips.length}`);
  for (const s of skips) console.log(line(s));
  const real = skips.map((s) => [s, realPart(s)]).filter(([, part]) => part);
  const enforce = process.env.CI === 'true' && process.getuid?.() === 0;
  if (!enforce || real.length === 0) return 0;
  console.log(`\n== FAILED: CI=true as root, yet ${real.length} test${real.length === 1 ? '' : 's'} needing a real part skipped (its package should be installed):`);
  for (const [s, part] of real) console.log(`${line(s)}  [${part}]`);
  return 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node scripts/skip-reporter.mjs SKIPS_FILE');
    process.exit(2);
  }
  process.exit(summarize(file));
}
