// `corral serve` flags -> ApplianceConfig: defaults, every option reaching its field, and a
// clear ConfigError (never another exception) for any garbage in any option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, SERVE_OPTIONS, parseServeArgs, resolveServe, serveConfigFromArgs, type ServeValues } from '../../src/config/index.js';

const BASE = ['--sot', '/srv/sot', '--data', '/var/lib/corral'];

test('defaults: loopback 8080, info, JSON logs off a terminal, watch on, boot services off', () => {
  const c = serveConfigFromArgs(BASE);
  assert.deepEqual(c.appliance, { sotDir: '/srv/sot', dataDir: '/var/lib/corral', apiHost: '127.0.0.1', apiPort: 8080, apiNames: [], watch: true, policy: { stageTimeoutMs: {} } });
  assert.deepEqual(c.log, { level: 'info', format: 'json' });
  assert.equal(serveConfigFromArgs(BASE, { terminal: true }).log.format, 'pretty');
});

test('every option reaches its field', () => {
  const c = serveConfigFromArgs([
    ...BASE,
    ...['--listen', '[::1]:9000', '--api-name', 'corral.lab', '--api-name', '10.0.0.5', '--token-ttl', '2', '--console-dir', '/var/log/consoles'],
    ...['--log-level', 'debug', '--log-format', 'pretty', '--no-watch', '--storm-limit', '5', '--bmc-concurrency', '4', '--max-attempts', '7'],
    ...['--stage-timeout', 'power=30', '--stage-timeout', 'kernel=600'],
    ...['--interface', 'eth1', '--address', '10.0.0.1', '--http-port', '8081', '--boot-url', 'http://10.0.0.1:8081', '--assets', '/a', '--tftp-root', '/t', '--tftp-workers', '3'],
    ...['--dhcp-mode', 'proxy', '--dhcp-port', '1067', '--dhcp-client-port', '1068', '--proxy-port', '4012', '--tftp-port', '1069', '--no-dhcp', '--no-tftp', '--no-boot-http'],
  ]);
  assert.deepEqual(c.log, { level: 'debug', format: 'pretty' });
  assert.deepEqual(c.appliance, {
    sotDir: '/srv/sot',
    dataDir: '/var/lib/corral',
    apiHost: '::1',
    apiPort: 9000,
    apiNames: ['corral.lab', '10.0.0.5'],
    consoleDir: '/var/log/consoles',
    tokenTtlMs: 2 * 24 * 3600_000,
    watch: false,
    stormLimit: 5,
    bmcConcurrency: 4,
    policy: { maxAttempts: 7, stageTimeoutMs: { power: 30_000, kernel: 600_000 } },
    boot: {
      interface: 'eth1',
      address: '10.0.0.1',
      httpPort: 8081,
      bootUrl: 'http://10.0.0.1:8081',
      tftpPort: 1069,
      dhcpPort: 1067,
      dhcpClientPort: 1068,
      proxyPort: 4012,
      tftpRoot: '/t',
      assetsDir: '/a',
      tftpWorkers: 3,
      dhcpMode: 'proxy',
      dhcp: false,
      tftp: false,
      http: false,
    },
  });
});

test('boot services: an interface alone gets the default ports; token-ttl 0 never expires', () => {
  const c = serveConfigFromArgs([...BASE, '--interface', 'Ethernet 2', '--token-ttl', '0']);
  assert.deepEqual(c.appliance.boot, { interface: 'Ethernet 2', httpPort: 8080, tftpPort: 69, dhcpPort: 67, dhcpClientPort: 68, proxyPort: 4011, dhcp: true, tftp: true, http: true });
  assert.equal(c.appliance.tokenTtlMs, null);
});

test('history bounds: days and binary sizes, 0 turns a bound off; too small or unitless refused', () => {
  const r = (args: string[]) => serveConfigFromArgs([...BASE, ...args]).appliance.retention;
  assert.equal(r([]), undefined, 'the store keeps its defaults');
  assert.deepEqual(r(['--history-days', '30', '--history-size', '2G']), { maxAgeMs: 30 * 86_400_000, maxBytes: 2 * 2 ** 30 });
  assert.deepEqual(r(['--history-days', '0', '--history-size', '0']), { maxAgeMs: 0, maxBytes: 0 });
  assert.deepEqual(r(['--history-size', '512m']), { maxBytes: 512 * 2 ** 20 });
  fails([...BASE, '--history-size', '10'], /--history-size takes a size like 512M/);
  fails([...BASE, '--history-size', '1M'], /below 64M/);
  fails([...BASE, '--history-days', '2w'], /--history-days takes whole days/);
});

test('tftp-workers: a positive whole number, at most 32', () => {
  const w = (n: string) => serveConfigFromArgs([...BASE, '--address', '10.0.0.1', '--tftp-workers', n]).appliance.boot?.tftpWorkers;
  assert.equal(w('1'), 1);
  assert.equal(w('100'), 32);
  fails([...BASE, '--address', '10.0.0.1', '--tftp-workers', '0'], /--tftp-workers must be a positive integer/);
  fails([...BASE, '--address', '10.0.0.1', '--tftp-workers', 'two'], /--tftp-workers must be a positive integer/);
});

test('listen forms: host:port, [v6]:port, :port and a bare port', () => {
  const at = (l: string) => {
    const a = serveConfigFromArgs([...BASE, '--listen', l]).appliance;
    return [a.apiHost, a.apiPort];
  };
  assert.deepEqual(at('0.0.0.0:80'), ['0.0.0.0', 80]);
  assert.deepEqual(at('[fe80::1]:8443'), ['fe80::1', 8443]);
  assert.deepEqual(at(':9001'), ['127.0.0.1', 9001]);
  assert.deepEqual(at('9002'), ['127.0.0.1', 9002]);
  assert.deepEqual(at('127.0.0.1:0'), ['127.0.0.1', 0]);
});

function fails(args: string[], message: RegExp) {
  assert.throws(() => serveConfigFromArgs(args), (e: unknown) => e instanceof ConfigError && message.test(e.message), args.join(' '));
}

test('clear messages for the usual mistakes, worded as flags', () => {
  fails(['--sot', 'x'], /^serve needs --sot <dir> and --data <dir>$/);
  fails([...BASE, 'extra'], /^unexpected argument "extra"$/);
  fails([...BASE, '--bogus'], /Unknown option '--bogus'/);
  fails([...BASE, '--listen', 'nope'], /^--listen "nope" is not host:port/);
  fails([...BASE, '--listen', '1.2.3.4:70000'], /^--listen/);
  fails([...BASE, '--listen', 'a b:80'], /^--listen "a b:80"/);
  fails([...BASE, '--log-level', 'loud'], /^--log-level must be debug, info, warn or error$/);
  fails([...BASE, '--log-format', 'xml'], /^--log-format must be json or pretty$/);
  fails([...BASE, '--storm-limit', '0'], /^--storm-limit must be a positive integer, not "0"$/);
  fails([...BASE, '--storm-limit', ''], /^--storm-limit must be a positive integer, not ""$/);
  fails([...BASE, '--token-ttl=-1'], /^--token-ttl takes whole days/);
  fails([...BASE, '--stage-timeout', 'boot=3'], /^--stage-timeout takes <stage>=<seconds> with stage one of power, /);
  fails([...BASE, '--address', '10.0.0.256'], /^--address "10.0.0.256" is not an IPv4 address$/);
  fails([...BASE, '--interface', 'eth0', '--dhcp-mode', 'relay'], /^--dhcp-mode must be server or proxy$/);
  fails([...BASE, '--interface', 'eth0', '--boot-url', 'ftp://x'], /^--boot-url "ftp:\/\/x" is not an http\(s\) URL$/);
  fails([...BASE, '--interface', 'eth0', '--tftp-port', '0'], /^--tftp-port must be a port number \(1-65535\), not "0"$/);
  fails([...BASE, '--interface', 'a/b'], /^--interface "a\/b" is not a network interface name$/);
});

// Each option meets garbage: the answer is a valid configuration or a ConfigError naming the
// option, never a TypeError or a crash deeper in.
const GARBAGE = ['', ' ', '-1', '0', '99999999999', '1e3', '0x10', 'NaN', '::', '[]:', '=', 'a=b=c', '\u0000', '../../etc/passwd', 'é'.repeat(300), '%s%n', '${x}', 'true'];

test('garbage in any option: a ConfigError or a configuration, nothing else', () => {
  for (const [key, opt] of Object.entries(SERVE_OPTIONS)) {
    if (opt.type === 'boolean') continue;
    for (const g of GARBAGE) {
      // The boot options only count with boot services on.
      const values: ServeValues = { sot: '/s', data: '/d', interface: 'eth0', [key]: 'multiple' in opt ? [g] : g };
      try {
        const c = resolveServe(values);
        assert.ok(c.appliance.sotDir !== undefined);
      } catch (e) {
        assert.ok(e instanceof ConfigError, `${key}=${JSON.stringify(g)} threw ${(e as Error).stack}`);
        assert.ok(e.message.length > 0 && e.message.length < 1200);
      }
    }
  }
});

test('garbage argv: unknown flags, missing values, a boolean given a value', () => {
  for (const args of [['--listen'], ['--no-dhcp=yes'], ['-x'], ['--', 'x'], ['--sot']]) {
    assert.throws(() => parseServeArgs(args), ConfigError, args.join(' '));
  }
});
