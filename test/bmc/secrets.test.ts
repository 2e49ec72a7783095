// SecretRef resolution and SoT host -> BmcTarget: errors name the variable or file, never the value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSecret } from '../../src/bmc/secrets.js';
import { bmcTargetFor } from '../../src/bmc/target.js';
import { publicTarget } from '../../src/bmc/types.js';
import type { Host } from '../../src/model/index.js';

test('inline, env and file (relative to the SoT root, trailing newline dropped)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'corral-secret-'));
  try {
    writeFileSync(join(dir, 'bmc.pw'), 'from-file\n');
    assert.equal(await resolveSecret({ kind: 'inline', value: 'x y' }, { baseDir: dir }), 'x y');
    assert.equal(await resolveSecret({ kind: 'env', name: 'BMC_PW' }, { baseDir: dir, env: { BMC_PW: 'from-env' } }), 'from-env');
    assert.equal(await resolveSecret({ kind: 'file', path: 'bmc.pw' }, { baseDir: dir }), 'from-file');
    assert.equal(await resolveSecret({ kind: 'file', path: join(dir, 'bmc.pw') }, { baseDir: '/' }), 'from-file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('missing env var or file: BMC_AUTH_FAILED naming it, not retryable', async () => {
  await assert.rejects(resolveSecret({ kind: 'env', name: 'NOPE_PW' }, { baseDir: '/', env: {} }), (e: Error & { code?: string; details?: Record<string, unknown> }) => {
    return e.code === 'BMC_AUTH_FAILED' && e.message.includes('NOPE_PW') && e.details?.retryable === false;
  });
  await assert.rejects(resolveSecret({ kind: 'file', path: 'missing.pw' }, { baseDir: '/nonexistent-corral' }), /\/nonexistent-corral\/missing\.pw \(ENOENT\)/);
});

function host(bmcIface: Partial<Host['interfaces'][number]> | undefined): Host {
  const src = { file: 'h.yaml', line: 1, col: 1 };
  return {
    id: 'n1', name: 'n1', siteId: 's', clusterId: 'c', metadata: {}, neverProvision: false, labels: {}, tags: [], source: src,
    hardware: { disks: [], arch: 'x86_64', firmware: 'uefi' },
    interfaces: [
      { type: 'physical', ignoreDhcp: false, source: src },
      ...(bmcIface ? [{ type: 'bmc' as const, ignoreDhcp: false, source: src, ...bmcIface }] : []),
    ],
  };
}

test('bmcTargetFor: address from the interface ipv4, options copied, password resolved; publicTarget hides it', async () => {
  const h = host({ ipv4: '10.1.0.9', bmc: { type: 'ipmi', port: 9621, username: 'admin', password: { kind: 'env', name: 'PW' }, cipherSuite: 3, softReboot: true, softTimeout: 30 } });
  const r = await bmcTargetFor(h, { baseDir: '/', env: { PW: 'hunter22' } });
  assert.equal(r.type, 'ipmi');
  assert.deepEqual(r.target, { hostId: 'n1', address: '10.1.0.9', port: 9621, username: 'admin', password: 'hunter22', cipherSuite: 3, firmware: 'uefi' });
  assert.equal(r.softReboot, true);
  assert.equal(r.softTimeoutSec, 30);
  const pub = publicTarget(r.target);
  assert.ok(!JSON.stringify(pub).includes('hunter22'));
  assert.equal(pub.hasPassword, true);
  const explicit = await bmcTargetFor(host({ ipv4: '10.1.0.9', bmc: { type: 'redfish', address: 'bmc.example', softReboot: false } }), { baseDir: '/' });
  assert.equal(explicit.target.address, 'bmc.example');
  await assert.rejects(bmcTargetFor(host(undefined), { baseDir: '/' }), { code: 'BMC_UNSUPPORTED' });
});
