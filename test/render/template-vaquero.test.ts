// Real-world Vaquero/matchbox-style templates (iPXE, cloud-config, ignition, kickstart, network
// config) must render byte-for-byte as Go's text/template renders them. Expected outputs were
// worked out by hand from Go's rules (trim markers eat every adjacent space and newline,
// defined templates are shared across files, range over slices in order).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TemplateSet } from '../../src/render/template/index.js';

const eth0 = {
  identifier: 'eth0',
  mac: '00:00:00:00:00:01',
  ipv4: '10.0.0.5',
  subnet: { netmask: '255.255.255.0', gateway: '10.0.0.1', dns: ['8.8.8.8', '1.1.1.1'] },
};
const eth1 = { identifier: 'eth1', mac: '00:00:00:00:00:02', ipv4: '10.0.1.5' };
const md = { ssh_authorized_keys: ['ssh-rsa A', 'ssh-rsa B'], etcd_name: 'node1' };
const data = {
  host: { name: 'h1', interfaces: [eth0, eth1], metadata: md, md },
  interface: eth0,
  env: { md: { etcd_initial_cluster: 'x' } },
  boot: { md: {}, metadata: { root_pass: 'p' } },
};

const Checkpoint = (): string => 'http://10.0.0.1:24601/checkpoint/h1';

const FILES: Record<string, string> = {
  'partials/etcd2.tmpl': [
    '{{ define "etcd2" }}',
    '    - name: etcd2.service',
    '      contents: |',
    '        Environment="ETCD_NAME={{.host.md.etcd_name}}"',
    '{{ end }}',
    '',
  ].join('\n'),
  'unattended/cloud-config.yml': [
    '#cloud-config',
    'hostname: {{ .host.name }}',
    '{{ if index .host.metadata "ssh_authorized_keys" }}',
    'ssh_authorized_keys:',
    '{{ range $element := .host.metadata.ssh_authorized_keys }}  - {{$element}}',
    '{{end}}',
    '{{ end }}',
    'coreos:',
    '  etcd2:',
    '    name: {{ .host.md.etcd_name }}',
    '    initial-cluster: {{ .env.md.etcd_initial_cluster }}',
    '  units:',
    '{{- template "etcd2" .}}',
    '',
  ].join('\n'),
  'boot/ipxe.tmpl': [
    '#!ipxe',
    'set base-url {{ Checkpoint }}',
    'kernel ${base-url}/vmlinuz console=tty0 {{ range $iface := .host.interfaces }}ip={{ $iface.ipv4 }}::{{ $iface.identifier }} {{ end }}',
    'initrd ${base-url}/initrd.img',
    '{{ with index .host.interfaces 1 }}channel client ip {{ .ipv4 }}{{ end }}',
    'mac {{ index .host "interfaces" 0 "mac"}}',
    'dns {{ range $i, $dns := .interface.subnet.dns }}{{ if $i }},{{ end }}{{ $dns }}{{ end }}',
    'boot',
    '',
  ].join('\n'),
  'unattended/network.yml': [
    'network:',
    '{{- range $iface := .host.interfaces }}',
    '  - name: {{ $iface.identifier }}',
    '    mac: {{ $iface.mac }}',
    '    {{- if $iface.subnet }}',
    '    gateway: {{ $iface.subnet.gateway }}',
    '    {{- end }}',
    '{{- end }}',
    '',
  ].join('\n'),
  'unattended/ks.cfg': [
    'rootpw --plaintext {{ .boot.metadata.root_pass }}',
    'network --bootproto=static --ip={{ .interface.ipv4 }} --netmask={{ .interface.subnet.netmask }}' +
      ' --gateway={{ .interface.subnet.gateway }} --nameserver={{ range $i, $dns := .interface.subnet.dns }}' +
      '{{ if $i }},{{ end }}{{ $dns }}{{ end }} --hostname={{ .host.name }}',
    '{{ if .boot.md.extra }}{{ .boot.md.extra }}{{ else }}# no extra{{ end }}',
    '',
  ].join('\n'),
  'unattended/ignition.json': [
    '{',
    '  "passwd": {',
    '    "users": [{',
    '      "name": "core",',
    '      "sshAuthorizedKeys": [{{ range $i, $k := .host.md.ssh_authorized_keys }}{{ if $i }}, {{ end }}{{ printf "%q" $k }}{{ end }}]',
    '    }]',
    '  },',
    '  "networkd": {"units": [{"name": "00-{{.interface.identifier}}.network", "contents": {{ printf "[Match]\\nMACAddress=%s\\n" .interface.mac | printf "%q" }}}]}',
    '}',
    '',
  ].join('\n'),
  'unattended/preseed.cfg': [
    '{{- /* preseed for {{ .host.name }} */ -}}',
    'd-i netcfg/get_hostname string {{ .host.name }}',
    'd-i netcfg/get_nameservers string {{ range .interface.subnet.dns }}{{ . }} {{ end }}',
    'd-i passwd/root-password password {{ .boot.metadata.root_pass }}',
    'd-i preseed/late_command string in-target curl -s {{ Checkpoint }}?h={{ urlquery .host.name "&x" }}',
    '',
  ].join('\n'),
};

function newSet(): TemplateSet {
  const set = new TemplateSet({ funcs: { Checkpoint } });
  for (const [name, text] of Object.entries(FILES)) set.add(name, text);
  return set;
}

const EXPECTED: Array<[string, string]> = [
  [
    'unattended/cloud-config.yml',
    [
      '#cloud-config',
      'hostname: h1',
      '',
      'ssh_authorized_keys:',
      '  - ssh-rsa A',
      '  - ssh-rsa B',
      '',
      '',
      'coreos:',
      '  etcd2:',
      '    name: node1',
      '    initial-cluster: x',
      '  units:',
      '    - name: etcd2.service',
      '      contents: |',
      '        Environment="ETCD_NAME=node1"',
      '',
      '',
    ].join('\n'),
  ],
  [
    'boot/ipxe.tmpl',
    [
      '#!ipxe',
      'set base-url http://10.0.0.1:24601/checkpoint/h1',
      'kernel ${base-url}/vmlinuz console=tty0 ip=10.0.0.5::eth0 ip=10.0.1.5::eth1 ',
      'initrd ${base-url}/initrd.img',
      'channel client ip 10.0.1.5',
      'mac 00:00:00:00:00:01',
      'dns 8.8.8.8,1.1.1.1',
      'boot',
      '',
    ].join('\n'),
  ],
  [
    'unattended/network.yml',
    [
      'network:',
      '  - name: eth0',
      '    mac: 00:00:00:00:00:01',
      '    gateway: 10.0.0.1',
      '  - name: eth1',
      '    mac: 00:00:00:00:00:02',
      '',
    ].join('\n'),
  ],
  [
    'unattended/ks.cfg',
    [
      'rootpw --plaintext p',
      'network --bootproto=static --ip=10.0.0.5 --netmask=255.255.255.0 --gateway=10.0.0.1' +
        ' --nameserver=8.8.8.8,1.1.1.1 --hostname=h1',
      '# no extra',
      '',
    ].join('\n'),
  ],
  [
    'unattended/ignition.json',
    [
      '{',
      '  "passwd": {',
      '    "users": [{',
      '      "name": "core",',
      '      "sshAuthorizedKeys": ["ssh-rsa A", "ssh-rsa B"]',
      '    }]',
      '  },',
      '  "networkd": {"units": [{"name": "00-eth0.network", "contents": "[Match]\\nMACAddress=00:00:00:00:00:01\\n"}]}',
      '}',
      '',
    ].join('\n'),
  ],
  [
    'unattended/preseed.cfg',
    [
      'd-i netcfg/get_hostname string h1',
      'd-i netcfg/get_nameservers string 8.8.8.8 1.1.1.1 ',
      'd-i passwd/root-password password p',
      'd-i preseed/late_command string in-target curl -s http://10.0.0.1:24601/checkpoint/h1?h=h1%26x',
      '',
    ].join('\n'),
  ],
  ['partials/etcd2.tmpl', '\n'],
];

describe('Vaquero templates render exactly as Go', () => {
  const set = newSet();
  for (const [name, want] of EXPECTED) {
    it(name, () => assert.equal(set.execute(name, data), want));
  }

  it('the defined template renders on its own', () => {
    const want = '\n    - name: etcd2.service\n      contents: |\n        Environment="ETCD_NAME=node1"\n';
    assert.equal(set.execute('etcd2', data), want);
  });

  it('every file and definition is in the set', () => {
    assert.deepEqual(set.names(), [...Object.keys(FILES), 'etcd2'].sort());
    assert.ok(set.has('etcd2'));
    assert.ok(!set.has('nope'));
  });

  it('per-call funcs override the set funcs (Checkpoint per host)', () => {
    const out = set.execute('boot/ipxe.tmpl', data, { Checkpoint: () => 'http://other/cp' });
    assert.match(out, /^#!ipxe\nset base-url http:\/\/other\/cp\n/);
    // The set itself is untouched.
    assert.match(set.execute('boot/ipxe.tmpl', data), /checkpoint\/h1/);
  });

  it('one parse serves many hosts', () => {
    for (let i = 2; i < 50; i++) {
      const host = { ...data.host, name: `h${i}` };
      const out = set.execute('unattended/ks.cfg', { ...data, host });
      assert.ok(out.endsWith(`--hostname=h${i}\n# no extra\n`));
    }
  });

  it('a clone shares trees but takes its own templates and funcs', () => {
    const c = set.clone().funcs({ Checkpoint: () => 'X' });
    c.add('extra', '{{ Checkpoint }}/{{ template "etcd2" . }}');
    assert.ok(c.execute('extra', data).startsWith('X/\n    - name: etcd2.service'));
    assert.ok(!set.has('extra'));
    assert.match(set.execute('boot/ipxe.tmpl', data), /checkpoint\/h1/);
  });

  it('funcNames lets a template parse with a function only supplied at execution', () => {
    const s = new TemplateSet({ funcNames: ['Checkpoint'] }).add('t', '{{ Checkpoint }}');
    assert.equal(s.execute('t', {}, { Checkpoint }), Checkpoint());
    assert.throws(() => s.execute('t', {}), /"Checkpoint" is not a defined function/);
  });
});
