// Ignition through the boot HTTP service, as a Flatcar/Fedora CoreOS machine fetches it: the URL
// from its iPXE script's kernel line (ignition.config.url), answered with Ignition JSON and
// Ignition's media type; an asset that cannot be converted is a 500 naming it, logged once per
// request. The world is built like test/http/boot-http.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBootHttp } from '../../src/boot/boot-http.js';
import { createCallbackSecrets } from '../../src/boot/callback-secret.js';
import { createLiveSot, type LiveSot } from '../../src/sot/live.js';
import { createLifecycle, type Lifecycle } from '../../src/lifecycle/runner.js';
import { syncHostRecords } from '../../src/lifecycle/sync.js';
import { createClientMap } from '../../src/boot/client-map.js';
import { createLogger, nullLogger } from '../../src/lib/log.js';
import { systemClock } from '../../src/lib/clock.js';
import { renderPreview } from '../../src/render/render.js';
import { createMemoryStore } from '../fakes/memory-store.js';
import { schemaErrors } from '../fixtures/ignition/schema.js';
import { BASE, writeSot } from '../sot/helpers.js';

let server: Server;
let base: string;
let live: LiveSot;
let lifecycle: Lifecycle;
let cleanup: () => void;
const logLines: string[] = [];

const HOSTS = `name: fc1
interfaces: [{mac: "52:54:00:00:03:01", subnet: net, ipv4: 10.1.0.31}]
workflow: wf-fcos
---
name: fc3
interfaces: [{mac: "52:54:00:00:03:03", subnet: net, ipv4: 10.1.0.33}]
workflow: wf-bad
---
name: fc2
interfaces: [{mac: "52:54:00:00:03:02", subnet: net, ipv4: 10.1.0.32}]
workflow: wf-bad
`;

before(async () => {
  const w = writeSot({
    ...BASE,
    'sites/s1/fcos.yml': HOSTS,
    'os/fcos.yml': 'id: fcos\nboot:\n  kernel: "{{.env.agentURL}}/files/vmlinuz"\ncmdline:\n  - ignition.config.url: "{{ .boot.configURL }}"\n',
    'boot/fcos.yml': 'id: fcos\noperating_system: fcos\nunattended: {type: ignition, use: node.bu}\n',
    'boot/bad.yml': 'id: bad\noperating_system: fcos\nunattended: {type: ignition, use: bad.bu}\nmetadata: {ignition_version: 3.4.0}\n',
    'workflows/fcos.yml': 'id: wf-fcos\nworkflow:\n  - boot: fcos\n',
    'workflows/bad.yml': 'id: wf-bad\nworkflow:\n  - boot: bad\n',
    'assets/ignition/node.bu': `variant: fcos
version: 1.5.0
storage:
  files:
    - path: /etc/hostname
      mode: 0644
      contents:
        inline: "{{ .host.name }}\\n"
systemd:
  units:
    - name: provisioned.service
      enabled: true
      contents: |
        [Service]
        Type=oneshot
        ExecStart=/usr/bin/curl -fsS {{ Checkpoint }}
        [Install]
        WantedBy=multi-user.target
`,
    // Bad for fc2 only: the load converts it as rendered for the boot's first host (fc3) and
    // takes the SoT; an asset bad for every host is refused at load (test/sot/ignition-assets.test.ts).
    'assets/ignition/bad.bu': 'variant: fcos\nversion: 1.5.0\n{{- if eq .host.name "fc2" }}\nstorage:\n  trees: [{local: site, path: /etc}]\n{{- end }}\n',
  });
  cleanup = w.cleanup;
  live = createLiveSot({ root: w.dir, clock: systemClock, log: nullLogger, pollMs: 0 });
  assert.equal(await live.reload(), true);
  const store = createMemoryStore();
  await syncHostRecords(store, live.current()!, Date.now());
  lifecycle = createLifecycle({ store, clock: systemClock, log: nullLogger, effects: { run() {} } });
  const log = createLogger({ level: 'debug', write: (l) => logLines.push(l) });
  const boot = createBootHttp({ sot: live, store, lifecycle, log, secrets: createCallbackSecrets(Buffer.alloc(32, 9)), clients: createClientMap(), baseUrl: () => base });
  server = createServer(boot.handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  lifecycle.stop();
  server.close();
  server.closeAllConnections();
  live.stop();
  cleanup();
});

async function get(path: string) {
  const res = await fetch(base + path);
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}

/** The ignition.config.url on the host's kernel line (its script starts the run). */
async function configPath(mac: string): Promise<string> {
  const r = await get(`/ipxe/${mac}`);
  assert.equal(r.status, 200);
  const url = /\signition\.config\.url=(\S+)/.exec(r.text)?.[1];
  assert.ok(url?.startsWith(`${base}/config/`), r.text);
  return url.slice(base.length);
}

test('a host\'s Butane asset is served as schema-valid Ignition JSON with Ignition\'s media type', async () => {
  const path = await configPath('52:54:00:00:03:01');
  const r = await get(path);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.type, 'application/vnd.coreos.ignition+json');
  const config = JSON.parse(r.text);
  assert.deepEqual(schemaErrors(config), []);
  assert.equal(config.ignition.version, '3.4.0');
  assert.deepEqual(config.storage.files, [{ path: '/etc/hostname', mode: 420, contents: { source: 'data:,fc1%0A' } }]);
  // The checkpoint URL carries the run's secret, the same one as the config URL.
  const secret = path.split('/')[2]!;
  assert.match(config.systemd.units[0].contents, new RegExp(`ExecStart=/usr/bin/curl -fsS ${base}/checkpoint/${secret}/52:54:00:00:03:01/fcos\n`));
  // The operator's preview shows the same JSON, with the secret masked.
  const sot = live.current()!;
  const preview = renderPreview(sot, { host: sot.hosts.find((h) => h.name === 'fc1')! }, { base, secret }, 'unattended');
  assert.equal(preview.contentType, 'application/vnd.coreos.ignition+json');
  assert.equal(JSON.parse(preview.text).storage.files[0].contents.source, 'data:,fc1%0A');
  assert.ok(!preview.text.includes(secret));
});

test('an asset that cannot be converted: HTTP 500 naming the asset and the reason, logged once', async () => {
  const path = await configPath('52:54:00:00:03:02');
  const before = logLines.length;
  const r = await get(path);
  assert.equal(r.status, 500);
  assert.match(r.type ?? '', /^text\/plain/);
  assert.equal(r.text, 'error: assets/ignition/bad.bu: cannot serve as Ignition JSON: storage.trees: storage.trees is not supported: it copies a local directory tree, which a served asset does not have\n');
  const logged = logLines.slice(before).filter((l) => l.includes('bad.bu'));
  assert.equal(logged.length, 1, logLines.slice(before).join('\n'));
  assert.doesNotMatch(logged[0]!, new RegExp(path.split('/')[2]!), 'the secret is not logged');
  // The service stays up for the next request.
  assert.equal((await get(path)).status, 500);
  assert.equal((await get('/boot.ipxe')).status, 200);
});
