// The corral command: validate, render, usage errors; output formats and exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli.js';
import { BASE, VAQUERO, writeSot } from '../sot/helpers.js';

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

test('validate: a SoT in Vaquero\'s newest format is valid (exit 0, nothing on stdout; what Corral ignores is a warning)', async () => {
  const r = await run('validate', VAQUERO);
  assert.equal(r.code, 0, r.out + r.err);
  assert.equal(r.out, '');
  assert.match(r.err, /^ok: 1 sites, 2 clusters, 5 hosts, 3 workflows, 0 roles, 0 pools; 0 errors, 7 warnings/m);
  assert.match(r.err, /env\.yml:5:1: warning: "sot_id" \(Vaquero Advanced SoT, Aug 2018\) is ignored/);
});

test('validate --strict: warnings fail too (exit 1); plain validate keeps them non-fatal', async () => {
  // An address outside its subnet is a warning.
  const { dir, cleanup } = writeSot({ ...BASE, 'sites/s1/rack.yml': BASE['sites/s1/rack.yml']!.replace('ipv4: 10.1.0.12', 'ipv4: 10.9.0.12') });
  try {
    const plain = await run('validate', dir);
    assert.equal(plain.code, 0, plain.err);
    assert.match(plain.err, /warning: IP 10\.9\.0\.12 is outside subnet/);
    const strict = await run('validate', dir, '--strict');
    assert.equal(strict.code, 1);
    assert.match(strict.err, /warning: IP 10\.9\.0\.12 is outside subnet/);
  } finally {
    cleanup();
  }
});

test('validate: problems as file:line:col: message, exit 1', async () => {
  const { dir, cleanup } = writeSot({ ...BASE, 'workflows/wf.yml': 'id: wf\nworkflow:\n  - boot: nope\n' });
  try {
    const r = await run('validate', dir);
    assert.equal(r.code, 1);
    // The line pointed at follows, as compilers show it.
    assert.equal(r.out, `${dir}/workflows/wf.yml:3:11: boot "nope" is not defined in boot/\n    |   - boot: nope\n`);
    assert.match(r.err, /invalid: .* 1 errors/);
  } finally {
    cleanup();
  }
});

test('validate: a host whose template fails to render is reported', async () => {
  const { dir, cleanup } = writeSot({ ...BASE, 'assets/kickstart/ks.cfg': '{{ index .host.interfaces 5 }}\n' });
  try {
    const r = await run('validate', dir);
    assert.equal(r.code, 1);
    assert.match(r.out, /rack\.yml:4:1: host "h1" boot "b1" unattended: .*index/);
    const skip = await run('validate', dir, '--no-render');
    assert.equal(skip.code, 0);
  } finally {
    cleanup();
  }
});

test('render: iPXE script and unattended file for a host', async () => {
  const { dir, cleanup } = writeSot(BASE);
  try {
    const ipxe = await run('render', dir, '--host', 'h1');
    assert.equal(ipxe.code, 0, ipxe.err);
    assert.match(ipxe.out, /^#!ipxe\n/);
    assert.match(ipxe.out, /\nkernel http:\/\/10\.1\.0\.2:8080\/files\/vmlinuz console=ttyS0 cb=http:\/\/10\.1\.0\.2:8080\/checkpoint\/<callback-secret>\/52:54:00:00:00:01\/b1 quiet initrd=initrd\.img\n/);
    const ks = await run('render', dir, '--host', 'h2', '--kind', 'unattended', '--base-url', 'http://boot.example:81/');
    assert.equal(ks.code, 0, ks.err);
    assert.equal(ks.out, '# h2\nnetwork --ip=10.1.0.12 --netmask=255.255.255.0\n%post\ncurl http://boot.example:81/checkpoint/<callback-secret>/52:54:00:00:00:02/b1\n%end\n');
  } finally {
    cleanup();
  }
});

test('render: unknown host, bad kind and missing flags are clear errors', async () => {
  const { dir, cleanup } = writeSot(BASE);
  try {
    const r1 = await run('render', dir, '--host', 'nope');
    assert.equal(r1.code, 1);
    assert.match(r1.err, /host "nope" is not in the SoT/);
    const r2 = await run('render', dir, '--host', 'h1', '--kind', 'pdf');
    assert.equal(r2.code, 2);
    assert.match(r2.err, /--kind must be ipxe or unattended/);
    const r3 = await run('render', dir);
    assert.equal(r3.code, 2);
  } finally {
    cleanup();
  }
});

test('usage errors exit 2 with the usage text', async () => {
  for (const argv of [[], ['frobnicate'], ['validate'], ['validate', '--bogus', 'x'], ['serve', '--sot', 'x'], ['serve', '--sot', 'x', '--data', 'y', '--listen', 'nope']]) {
    const r = await run(...argv);
    assert.equal(r.code, 2, `argv ${argv.join(' ')}`);
    assert.match(r.err, /Usage:/);
  }
});
