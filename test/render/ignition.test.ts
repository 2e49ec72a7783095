// YAML ignition assets → Ignition JSON (src/render/ignition*.ts): every output is parsed and
// validated against the coreos/ignition schema of its spec version (test/fixtures/ignition), as
// published and with unknown keys refused, and its values checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toIgnition, IgnitionError } from '../../src/render/ignition.js';
import { BUTANE_SPECS, dataUrl } from '../../src/render/ignition-butane.js';
import { loadSot } from '../../src/sot/load.js';
import { renderUnattended } from '../../src/render/render.js';
import { schemaErrors } from '../fixtures/ignition/schema.js';
import { VAQUERO } from '../sot/helpers.js';

/** Parsed JSON, read by known paths. */
type Obj = Record<string, any>;

/** Converts, parses, checks the spec version and the schema; returns the config. */
function convert(yaml: string, spec: string, expected?: string): Obj {
  const out = toIgnition(yaml, expected);
  assert.equal(out.converted, true);
  assert.equal(out.spec, spec);
  assert.doesNotMatch(out.text, /\n/, 'compact JSON');
  const config = JSON.parse(out.text) as Obj;
  assert.equal(config.ignition.version, spec);
  assert.deepEqual(schemaErrors(config), [], `not valid Ignition ${spec}:\n${out.text}`);
  return config;
}

const UNIT = `[Unit]
Description=Say hello
[Service]
Type=oneshot
ExecStart=/usr/bin/echo hello
[Install]
WantedBy=multi-user.target
`;

test('Ignition-in-YAML 3.4.0: passes through as JSON, legacy octal modes become decimal', () => {
  const c = convert(
    `ignition:
  version: 3.4.0
storage:
  files:
    - path: /etc/hostname
      mode: 0644
      overwrite: true
      contents:
        source: "data:,node1%0A"
  directories:
    - path: /var/lib/app
      mode: 493
systemd:
  units:
    - name: hello.service
      enabled: true
      contents: |
${UNIT.replace(/^/gm, '        ').trimEnd()}
passwd:
  users:
    - name: core
      sshAuthorizedKeys:
        - ssh-ed25519 AAAAC3Nza ops@example
`,
    '3.4.0',
  );
  assert.deepEqual(c.storage.files[0], { path: '/etc/hostname', mode: 420, overwrite: true, contents: { source: 'data:,node1%0A' } });
  assert.equal(c.storage.directories[0].mode, 0o755);
  assert.equal(c.systemd.units[0].contents, UNIT);
  assert.deepEqual(c.passwd.users[0].sshAuthorizedKeys, ['ssh-ed25519 AAAAC3Nza ops@example']);
  assert.deepEqual(Object.keys(c), ['ignition', 'storage', 'systemd', 'passwd']);
});

test('Ignition-in-YAML 2.2.0 and 2.3.0: filesystem-relative files, networkd, snake_case keys respelled', () => {
  const doc = (v: string, extra = '') => `ignition: {version: "${v}"}
storage:
  files:
    - filesystem: root
      path: /etc/motd
      mode: 0600
      contents: {source: "data:,hi"}
${extra}networkd:
  units:
    - name: 00-eth0.network
      contents: "[Match]\\nName=eth0\\n"
passwd:
  users:
    - name: core
      ssh_authorized_keys: [ssh-rsa AAAAB3 a@b]
`;
  const c22 = convert(doc('2.2.0'), '2.2.0');
  assert.deepEqual(c22.storage.files[0], { filesystem: 'root', path: '/etc/motd', mode: 384, contents: { source: 'data:,hi' } });
  assert.equal(c22.networkd.units[0].contents, '[Match]\nName=eth0\n');
  assert.deepEqual(c22.passwd.users[0], { name: 'core', sshAuthorizedKeys: ['ssh-rsa AAAAB3 a@b'] });
  // 2.3 measures partitions in MiB: size_mib is the YAML spelling of sizeMiB.
  const c23 = convert(doc('2.3.0', '  disks:\n    - device: /dev/sda\n      wipe_table: true\n      partitions: [{label: ROOT, size_mib: 8192, start_mib: 0}]\n'), '2.3.0');
  assert.deepEqual(c23.storage.disks[0], { device: '/dev/sda', wipeTable: true, partitions: [{ label: 'ROOT', sizeMiB: 8192, startMiB: 0 }] });
});

test('a config that names no version takes the boot\'s ignition_version: the Vaquero etcd asset as 2.2.0', async () => {
  const { sot } = await loadSot(VAQUERO);
  const { text } = renderUnattended(sot, { host: sot.hosts.find((h) => h.name === 'etcd2')! }, { base: 'http://10.40.0.5:24602' });
  const c = convert(text, '2.2.0', '2.2.0');
  assert.equal(c.networkd.units[0].name, '00-prov.network');
  assert.match(c.networkd.units[0].contents, /^\[Match\]\nMACAddress=52:54:00:40:00:12\n/);
  const member = c.systemd.units.find((u: Obj) => u.name === 'etcd-member.service');
  assert.equal(member.dropins[0].name, '20-cluster.conf');
  assert.match(member.dropins[0].contents, /Environment="ETCD_NAME=etcd2"\n/);
  assert.match(c.systemd.units.find((u: Obj) => u.name === 'provisioned.service').contents, /ExecStart=\/usr\/bin\/curl -fsS http:\/\/10\.40\.0\.5:24602\/checkpoint\//);
  assert.match(c.passwd.users[0].sshAuthorizedKeys[0], /^ssh-ed25519 AAAAC3Nza\S+ ops@east$/);
  assert.throws(() => toIgnition(text), /no Ignition spec version: set ignition\.version in the asset, or ignition_version in the boot's metadata/);
});

const BUTANE_BODY = `storage:
  files:
    - path: /etc/motd
      mode: 0644
      contents:
        inline: |
          Welcome, 100% "managed" by Corral & co.
    - path: /opt/app/run.sh
      mode: 0755
      user: {name: core}
      append:
        - inline: "echo done\\n"
  directories:
    - path: /opt/app
      mode: 0750
  links:
    - path: /usr/local/bin/run
      target: /opt/app/run.sh
      hard: false
systemd:
  units:
    - name: hello.service
      enabled: true
      contents: |
${UNIT.replace(/^/gm, '        ').trimEnd()}
    - name: docker.service
      mask: true
    - name: sshd.service
      dropins:
        - name: 10-port.conf
          contents: "[Service]\\nEnvironment=PORT=2222\\n"
passwd:
  users:
    - name: core
      ssh_authorized_keys:
        - ssh-ed25519 AAAAC3Nza ops@example
      groups: [wheel, sudo]
    - name: app
      uid: 1500
      home_dir: /opt/app
      no_create_home: true
      password_hash: "$6$rounds=4096$salt$hash"
  groups:
    - name: apps
      gid: 1500
`;

function checkButane(c: Obj): void {
  const motd = c.storage.files[0];
  assert.equal(motd.path, '/etc/motd');
  assert.equal(motd.mode, 420, '0644 is octal, served as decimal');
  assert.equal(motd.contents.source, 'data:,Welcome%2C%20100%25%20%22managed%22%20by%20Corral%20%26%20co.%0A');
  assert.equal(decodeURIComponent(motd.contents.source.slice('data:,'.length)), 'Welcome, 100% "managed" by Corral & co.\n');
  assert.equal('inline' in motd.contents, false);
  assert.deepEqual(c.storage.files[1], { path: '/opt/app/run.sh', mode: 493, user: { name: 'core' }, append: [{ source: 'data:,echo%20done%0A' }] });
  assert.deepEqual(c.storage.directories[0], { path: '/opt/app', mode: 488 });
  assert.deepEqual(c.storage.links[0], { path: '/usr/local/bin/run', target: '/opt/app/run.sh', hard: false });
  assert.deepEqual(c.systemd.units[0], { name: 'hello.service', enabled: true, contents: UNIT });
  assert.deepEqual(c.systemd.units[1], { name: 'docker.service', mask: true });
  assert.deepEqual(c.systemd.units[2].dropins, [{ name: '10-port.conf', contents: '[Service]\nEnvironment=PORT=2222\n' }]);
  assert.deepEqual(c.passwd.users[0], { name: 'core', sshAuthorizedKeys: ['ssh-ed25519 AAAAC3Nza ops@example'], groups: ['wheel', 'sudo'] });
  assert.deepEqual(c.passwd.users[1], { name: 'app', uid: 1500, homeDir: '/opt/app', noCreateHome: true, passwordHash: '$6$rounds=4096$salt$hash' });
  assert.deepEqual(c.passwd.groups, [{ name: 'apps', gid: 1500 }]);
  assert.equal('variant' in c || 'version' in c, false);
}

test('Butane fcos 1.5.0 → Ignition 3.4.0: inline files, users, units', () => {
  const c = convert(`variant: fcos\nversion: 1.5.0\n${BUTANE_BODY}`, '3.4.0');
  checkButane(c);
  assert.deepEqual(Object.keys(c), ['ignition', 'storage', 'systemd', 'passwd']);
});

test('Butane flatcar 1.0.0 → 3.3.0 and 1.1.0 → 3.4.0', () => {
  checkButane(convert(`variant: flatcar\nversion: 1.0.0\n${BUTANE_BODY}`, '3.3.0'));
  checkButane(convert(`variant: flatcar\nversion: 1.1.0\n${BUTANE_BODY}`, '3.4.0'));
});

test('every Butane version maps to the Ignition spec in Butane\'s table, and validates there', () => {
  const table = Object.entries(BUTANE_SPECS).flatMap(([variant, specs]) => Object.entries(specs).map(([v, spec]) => `${variant} ${v} ${spec}`));
  assert.deepEqual(table, [
    'fcos 1.0.0 3.0.0',
    'fcos 1.1.0 3.1.0',
    'fcos 1.2.0 3.2.0',
    'fcos 1.3.0 3.2.0',
    'fcos 1.4.0 3.3.0',
    'fcos 1.5.0 3.4.0',
    'fcos 1.6.0 3.5.0',
    'flatcar 1.0.0 3.3.0',
    'flatcar 1.1.0 3.4.0',
  ]);
  for (const [variant, specs] of Object.entries(BUTANE_SPECS)) {
    for (const [version, spec] of Object.entries(specs)) {
      // Ignition 3.0's tls and merge config sources are resources too: inline works there as well.
      const c = convert(
        `variant: ${variant}\nversion: ${version}\nignition:\n  config:\n    merge: [{inline: '{"ignition":{"version":"${spec}"}}'}]\n  security: {tls: {certificate_authorities: [{inline: "PEM"}]}}\n${BUTANE_BODY}`,
        spec,
      );
      assert.deepEqual(c.ignition.config.merge, [{ source: dataUrl(`{"ignition":{"version":"${spec}"}}`) }]);
      assert.deepEqual(c.ignition.security.tls.certificateAuthorities, [{ source: 'data:,PEM' }]);
    }
  }
});

test('JSON assets pass through unchanged', () => {
  const json = '{\n  "ignition": {"version": "3.4.0"},\n  "storage": {"files": [{"path": "/a", "mode": 420}]}\n}\n';
  assert.deepEqual(toIgnition(json), { text: json, spec: '3.4.0', converted: false });
  assert.equal(toIgnition('  {"ignition":{"version":"2.2.0"}}').text, '  {"ignition":{"version":"2.2.0"}}');
  // A YAML flow mapping is not JSON: converted.
  assert.equal(toIgnition('{ignition: {version: 3.1.0}}').text, '{"ignition":{"version":"3.1.0"}}');
});

test('the boot\'s ignition_version bounds the config: newer minor or other major is refused', () => {
  assert.equal(toIgnition('ignition: {version: 3.2.0}', '3.4.0').spec, '3.2.0', 'Ignition reads older 3.x configs');
  assert.throws(() => toIgnition('variant: fcos\nversion: 1.5.0\n', '3.3.0'), /config is Ignition spec 3\.4\.0, but the boot's ignition_version says the OS reads 3\.3\.0/);
  assert.throws(() => toIgnition('ignition: {version: 2.2.0}', '3.0.0'), /spec 2\.2\.0.*reads 3\.0\.0/);
  assert.throws(() => toIgnition('{"ignition":{"version":"3.4.0"}}', '3.1.0'), /reads 3\.1\.0/);
  assert.throws(() => toIgnition('ignition: {version: 3.2.0}', 'three'), /ignition_version "three" is not an Ignition spec version/);
});

test('inputs that cannot be converted give clear errors', () => {
  const cases: [string, RegExp][] = [
    ['ignition: {version: 3.4.0}\nstorage: [1\n', /^not valid YAML \(rendered line 3, column 1\): Flow sequence in block collection must be sufficiently indented and end with a \]$/],
    ['', /^the rendered asset is empty$/],
    ['- a\n- b\n', /^the rendered asset is not a YAML mapping$/],
    ['ignition: {version: 3.4}\n', /^ignition\.version: must be a string like "3\.4\.0" \(quote it: YAML reads 3\.4 as a number\)$/],
    ['ignition: {version: "4.0.0"}\n', /^ignition\.version: "4\.0\.0" is not an Ignition spec version/],
    ['storage: {}\n', /^no Ignition spec version/],
    ['etcd: {name: x}\nignition: {version: 2.2.0}\n', /^etcd: "etcd" is a Container Linux Config section, not Ignition; transpile with ct/],
    ['variant: rhcos\nversion: 1.0.0\n', /^variant: Butane variant "rhcos" is not supported \(supported: fcos, flatcar\)$/],
    ['variant: fcos\nversion: 1.9.0\n', /^version: Butane fcos version "1\.9\.0" is not supported \(supported: 1\.0\.0, .*1\.6\.0\)$/],
    ['variant: fcos\nversion: 1.5.0\nignition: {version: 3.4.0}\n', /^ignition\.version: a Butane config takes its Ignition version from variant\/version/],
    ['variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /a\n      contents: {local: a.txt}\n', /^storage\.files\[0\]\.contents\.local: local is not available: it names a file beside the Butane config/],
    ['variant: fcos\nversion: 1.5.0\nsystemd:\n  units: [{name: a.service, contents_local: a.service}]\n', /^systemd\.units\[0\]\.contents_local: contents_local is not available/],
    ['variant: fcos\nversion: 1.5.0\npasswd:\n  users: [{name: core, ssh_authorized_keys_local: [id.pub]}]\n', /^passwd\.users\[0\]\.ssh_authorized_keys_local: /],
    ['variant: fcos\nversion: 1.5.0\nstorage:\n  trees: [{local: tree, path: /}]\n', /^storage\.trees: storage\.trees is not supported: it copies a local directory tree/],
    ['variant: fcos\nversion: 1.5.0\nboot_device: {mirror: {devices: [/dev/sda, /dev/sdb]}}\n', /^boot_device: boot_device is not supported/],
    ['variant: fcos\nversion: 1.5.0\ngrub: {users: [{name: root}]}\n', /^grub: grub is not supported/],
    ['variant: fcos\nversion: 1.5.0\nstorage:\n  filesystems: [{device: /dev/sdb, path: /var, format: xfs, with_mount_unit: true}]\n', /^storage\.filesystems\[0\]\.with_mount_unit: with_mount_unit is not supported/],
    ['variant: fcos\nversion: 1.5.0\nstorage:\n  files: [{path: /a, contents: {inline: x, source: "http://x"}}]\n', /^storage\.files\[0\]\.contents\.inline: inline and source are exclusive$/],
    ['variant: fcos\nversion: 1.5.0\nstorage:\n  files: [{path: /a, contents: {inline: [x]}}]\n', /^storage\.files\[0\]\.contents\.inline: inline must be a string$/],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => toIgnition(input),
      (e: unknown) => e instanceof IgnitionError && message.test(e.message),
      `${JSON.stringify(input)} should fail with ${message}`,
    );
  }
});

test('data URLs: percent-encoded UTF-8 that decodes to the exact text (RFC 2397)', () => {
  assert.equal(dataUrl(''), 'data:,');
  assert.equal(dataUrl('a b\n'), 'data:,a%20b%0A');
  const text = 'héllo ✓\t#?/;,=+\r\n';
  assert.equal(decodeURIComponent(dataUrl(text).slice(6)), text);
  assert.match(dataUrl(text), /^data:,[A-Za-z0-9\-_.!~*'()%]*$/);
  assert.throws(() => dataUrl('\ud800'), /not valid Unicode/);
});
