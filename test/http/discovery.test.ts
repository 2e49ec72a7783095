// Discovered machines (unknown MACs on a discovery site) boot the site's discovery workflow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { discoveryTarget } from '../../src/boot/discovery.js';
import { renderIpxe } from '../../src/render/render.js';
import { loadSot } from '../../src/sot/load.js';
import type { HostRuntime, Mac } from '../../src/model/index.js';
import { BASE, writeSot } from '../sot/helpers.js';

test('discovery workflow renders for a discovered MAC; none without discovery', async () => {
  const env = BASE['sites/s1/env.yml']! + 'discovery:\n  enabled: true\n  subnet: net\n  range: 10.1.0.100-10.1.0.150\n  workflow: wf\n';
  const { dir, cleanup } = writeSot({ ...BASE, 'sites/s1/env.yml': env });
  try {
    const res = await loadSot(dir);
    assert.ok(res.ok, res.problems.map((p) => p.message).join('\n'));
    const mac = '52:54:00:aa:bb:cc' as Mac;
    const rt: HostRuntime = { id: 'mac-52-54-00-aa-bb-cc', state: 'discovered', bootIndex: 0, checkpoint: 0, power: 'on', attempts: 0, since: 0, updatedAt: 0, discoveredSite: 's1', lastIp: '10.1.0.100', discoveredMac: mac };
    const found = discoveryTarget(res.sot, rt, mac)!;
    assert.equal(found.workflow.id, 'wf');
    const script = renderIpxe(res.sot, { host: found.host, workflow: found.workflow }, { base: 'http://10.1.0.2:8080', secret: 'S'.repeat(43) });
    assert.match(script, new RegExp(`kernel http://10\\.1\\.0\\.2:8080/files/vmlinuz .*cb=http://10\\.1\\.0\\.2:8080/checkpoint/${'S'.repeat(43)}/52:54:00:aa:bb:cc/b1`));
    assert.equal(discoveryTarget(res.sot, { ...rt, state: 'active' }, mac), undefined);
    assert.equal(discoveryTarget(res.sot, undefined, mac), undefined);
  } finally {
    cleanup();
  }
});
