// Callback URLs in rendered files: the secret in the path when one is given, a masked placeholder
// otherwise (CLI, validation, the operator preview), and a preview that never shows a secret.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { checkpointUrl, configUrl, MASKED_SECRET } from '../../src/render/context.js';
import { renderIpxe, renderPreview, renderUnattended, runningWorkflow } from '../../src/render/render.js';
import { loadSot } from '../../src/sot/load.js';
import type { HostRuntime, Sot } from '../../src/model/index.js';
import { BASE, writeSot } from '../sot/helpers.js';

const SECRET = 'Zm9vYmFyYmF6cXV4cXV1eGNvcnJhbGNhbGxiYWNrMDE';
const BASEURL = 'http://10.1.0.2:8080';
let sot: Sot;
let cleanup: () => void;

before(async () => {
  const w = writeSot({
    ...BASE,
    'os/os1.yml': BASE['os/os1.yml']! + '  - ks: "{{ .boot.configURL }}"\n  - cb2: "{{ Checkpoint 2 }}"\n',
    'boot/b1.yml': 'id: b1\noperating_system: os1\ncheckpoints: 2\nunattended: {type: kickstart, use: ks.cfg}\n',
    'workflows/wipe.yml': 'id: wipe\nworkflow:\n  - boot: b1\n',
  });
  cleanup = w.cleanup;
  const res = await loadSot(w.dir);
  assert.ok(res.ok, res.problems.map((p) => p.message).join('\n'));
  sot = res.sot;
});

after(() => cleanup());

test('URL shapes: the secret is a path segment, so a client may append its own query', () => {
  const urls = { base: BASEURL, secret: SECRET };
  assert.equal(checkpointUrl(urls, '52:54:00:00:00:01', 'b1'), `${BASEURL}/checkpoint/${SECRET}/52:54:00:00:00:01/b1`);
  assert.equal(checkpointUrl(urls, '52:54:00:00:00:01', 'b 1', 2), `${BASEURL}/checkpoint/${SECRET}/52:54:00:00:00:01/b%201/2`);
  assert.equal(configUrl(urls, '52:54:00:00:00:01', 'b1'), `${BASEURL}/config/${SECRET}/52:54:00:00:00:01?boot=b1`);
  assert.equal(checkpointUrl({ base: BASEURL }, 'm', 'b1'), `${BASEURL}/checkpoint/${MASKED_SECRET}/m/b1`);
});

test('a machine\'s script and unattended file carry its secret', () => {
  const host = sot.hosts.find((h) => h.name === 'h1')!;
  const script = renderIpxe(sot, { host }, { base: BASEURL, secret: SECRET });
  const cb = `${BASEURL}/checkpoint/${SECRET}/52:54:00:00:00:01/b1`;
  assert.ok(script.includes(` cb=${cb} `), script);
  assert.ok(script.includes(` cb2=${cb}/2 `), script);
  assert.ok(script.includes(` ks=${BASEURL}/config/${SECRET}/52:54:00:00:00:01?boot=b1 `), script);
  const ks = renderUnattended(sot, { host }, { base: BASEURL, secret: SECRET });
  assert.match(ks.text, new RegExp(`\ncurl ${cb}\n`));
});

test('without a secret (CLI, validation) the URLs show a placeholder', () => {
  const host = sot.hosts.find((h) => h.name === 'h1')!;
  const script = renderIpxe(sot, { host }, { base: BASEURL });
  assert.ok(script.includes(` cb=${BASEURL}/checkpoint/${MASKED_SECRET}/52:54:00:00:00:01/b1 `), script);
  assert.ok(script.includes(`/config/${MASKED_SECRET}/`));
});

test('renderPreview masks secrets even when given one, for both kinds', () => {
  const host = sot.hosts.find((h) => h.name === 'h2')!;
  const rt: HostRuntime = { id: host.id, state: 'reclaiming', workflow: 'wipe', bootIndex: 0, checkpoint: 0, power: 'on', attempts: 0, since: 0, updatedAt: 0 };
  const target = { host, workflow: runningWorkflow(sot, host, rt)!, bootIndex: rt.bootIndex };
  assert.equal(target.workflow.id, 'wipe', 'the run\'s workflow, not the SoT\'s');
  const ipxe = renderPreview(sot, target, { base: BASEURL, secret: SECRET }, 'ipxe');
  assert.equal(ipxe.type, 'ipxe');
  assert.match(ipxe.contentType, /^text\/plain/);
  assert.ok(!ipxe.text.includes(SECRET));
  assert.ok(ipxe.text.includes(`/checkpoint/${MASKED_SECRET}/52:54:00:00:00:02/b1`));
  const un = renderPreview(sot, target, { base: BASEURL, secret: SECRET }, 'unattended');
  assert.equal(un.type, 'kickstart');
  assert.ok(!un.text.includes(SECRET));
  assert.ok(un.text.includes(MASKED_SECRET));
  assert.equal(runningWorkflow(sot, host, { ...rt, state: 'active' })!.id, 'wf');
});
