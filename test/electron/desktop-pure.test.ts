// The desktop app's other decisions, without Electron: settings and the first-run form, the
// renderer bridge, privileges, start errors in words, the tray's status and icon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { applyFirstRun, desktopStart, interfaceChoices } from '../../electron/desktop-settings.js';
import { bridgeFor, isPage } from '../../electron/bridge.js';
import { privilegeAdvice, privilegesFromStatus } from '../../electron/capabilities.js';
import { explainStartError } from '../../electron/start-error.js';
import { trayStatus } from '../../electron/tray-status.js';
import { crc32, trayIconPng } from '../../electron/tray-icon.js';
import { ConfigError } from '../../src/config/index.js';

test('settings: defaults under userData on the fixed port; no SoT yet = first run', () => {
  assert.deepEqual(desktopStart(undefined, '/u'), { values: { data: '/u/data', listen: '127.0.0.1:8080' }, firstRun: true });
  assert.deepEqual(desktopStart({ sot: '/s', listen: '127.0.0.1:9000' }, '/u'), { values: { data: '/u/data', listen: '127.0.0.1:9000', sot: '/s' }, firstRun: false });
});

test('first-run form: checked like serve flags; "" interface = boot services off', () => {
  const ok = applyFirstRun({ listen: '127.0.0.1:8080', interface: 'old0' }, { sot: ' /s ', data: '/d', interface: '' });
  assert.ok(ok.ok);
  assert.deepEqual(ok.values, { listen: '127.0.0.1:8080', sot: '/s', data: '/d' });
  assert.equal(ok.config.appliance.boot, undefined);
  const boot = applyFirstRun({}, { sot: '/s', data: '/d', interface: 'eth1' });
  assert.ok(boot.ok && boot.config.appliance.boot?.interface === 'eth1');
  assert.deepEqual(applyFirstRun({}, { sot: '', data: '/d', interface: '' }), { ok: false, error: 'Choose the SoT folder.' });
  assert.deepEqual(applyFirstRun({}, null), { ok: false, error: 'Choose the SoT folder.' });
  assert.deepEqual(applyFirstRun({}, { sot: '/s', data: 5, interface: '' }), { ok: false, error: 'Choose the data folder.' });
  assert.deepEqual(applyFirstRun({ listen: 'nope' }, { sot: '/s', data: '/d', interface: '' }), { ok: false, error: '"listen" "nope" is not host:port (e.g. 127.0.0.1:8080)' });
});

test('interfaces: IPv4, not loopback, sorted', () => {
  const nets = {
    lo: [{ family: 'IPv4', address: '127.0.0.1', internal: true }],
    eth1: [{ family: 'IPv6', address: 'fe80::1', internal: false }, { family: 'IPv4', address: '10.77.0.1', internal: false }],
    br0: [{ family: 4, address: '10.0.0.1', internal: false }],
    wg0: [{ family: 'IPv6', address: 'fd00::1', internal: false }],
  };
  assert.deepEqual(interfaceChoices(nets), [{ name: 'br0', address: '10.0.0.1' }, { name: 'eth1', address: '10.77.0.1' }]);
});

test('bridge: only pages on the core origin get the API base and token', () => {
  const core = { apiBase: 'http://127.0.0.1:8080', token: 'tok', version: '0.1.0' };
  assert.deepEqual(bridgeFor('http://127.0.0.1:8080/ui/hosts', core), core);
  for (const url of ['http://127.0.0.1:8081/', 'https://evil.example/', 'file:///tmp/x.html', '', 'about:blank']) assert.equal(bridgeFor(url, core), null, url);
  assert.equal(bridgeFor('http://127.0.0.1:8080/', undefined), null);
  assert.equal(isPage('file:///app/electron/first-run.html', 'file:///app/electron/first-run.html'), true);
  assert.equal(isPage('file:///app/electron/first-run.html#x', 'file:///app/electron/first-run.html'), true);
  assert.equal(isPage('file:///tmp/evil.html', 'file:///app/electron/first-run.html'), false);
  assert.equal(isPage('http://127.0.0.1:8080/electron/first-run.html', 'file:///app/electron/first-run.html'), false);
});

test('privileges from /proc/self/status: CAP_NET_BIND_SERVICE is bit 10, CAP_NET_RAW bit 13', () => {
  assert.deepEqual(privilegesFromStatus('Name:\tnode\nCapEff:\t0000000000000000\n'), { bindLowPorts: false, rawSockets: false });
  assert.deepEqual(privilegesFromStatus('CapEff:\t0000000000002400\n'), { bindLowPorts: true, rawSockets: true });
  assert.deepEqual(privilegesFromStatus('CapEff:\t000001ffffffffff\n'), { bindLowPorts: true, rawSockets: true });
  assert.deepEqual(privilegesFromStatus('CapEff:\t0000000000000400\n'), { bindLowPorts: true, rawSockets: false });
  assert.deepEqual(privilegesFromStatus('garbage'), { bindLowPorts: false, rawSockets: false });
  assert.equal(privilegeAdvice('linux', { bindLowPorts: true, rawSockets: true }).ok, true);
  const lacking = privilegeAdvice('linux', { bindLowPorts: true, rawSockets: false });
  assert.equal(lacking.ok, false);
  assert.match(lacking.text, /CAP_NET_BIND_SERVICE.*CAP_NET_RAW.*corral \.deb.*boot services off/s);
  assert.match(privilegeAdvice('darwin', undefined).text, /supported on Linux/);
});

test('start errors in words, the raw error kept as detail', () => {
  const inUse = explainStartError(Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:8080'), { code: 'EADDRINUSE' }), { base: 'http://127.0.0.1:8080' });
  assert.match(inUse.message, /http:\/\/127\.0\.0\.1:8080 is already in use/);
  assert.match(inUse.detail, /EADDRINUSE/);
  assert.match(explainStartError(Object.assign(new Error('x'), { code: 'EACCES' })).message, /CAP_NET_BIND_SERVICE.*boot services off/s);
  assert.match(explainStartError(new ConfigError('"listen" "x" is not host:port'), { settingsFile: '/u/settings.json' }).message, /^A setting is wrong: "listen".*\n\nSettings file: \/u\/settings\.json$/s);
  assert.equal(explainStartError('a string').message, 'a string');
  assert.equal(explainStartError(undefined).message, 'undefined');
});

test('tray status from /v1/services', () => {
  const run = (address: string) => ({ state: 'running', address });
  assert.equal(trayStatus({ dhcp: run('10.0.0.1:67'), tftp: run('10.0.0.1:69'), http: run('10.0.0.1:8080') }, 'started').level, 'ok');
  const off = { state: 'off', reason: 'boot services not started' };
  const s = trayStatus({ dhcp: off, tftp: off, http: off }, 'attached');
  assert.equal(s.level, 'off');
  assert.match(s.text, /attached to the running service\)\nDHCP: off \(boot services not started\)\nTFTP: off/);
  assert.equal(trayStatus({ dhcp: { state: 'failed', reason: 'permission denied' }, tftp: off, http: off }, 'started').level, 'failed');
  assert.equal(trayStatus({ dhcp: off }, 'started').level, 'failed', 'a missing service is not "off"');
  assert.equal(trayStatus(null, 'started').level, 'down');
  assert.equal(trayStatus('x', 'started').level, 'down');
});

test('tray icon: a valid PNG (signature, CRCs, RGBA pixels), transparent corners', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  const png = trayIconPng('failed', 16);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let at = 8;
  const chunks: Record<string, Buffer> = {};
  while (at < png.length) {
    const len = png.readUInt32BE(at);
    const type = png.subarray(at + 4, at + 8).toString('ascii');
    const data = png.subarray(at + 8, at + 8 + len);
    assert.equal(png.readUInt32BE(at + 8 + len), crc32(png.subarray(at + 4, at + 8 + len)), `${type} CRC`);
    chunks[type] = data;
    at += 12 + len;
  }
  assert.deepEqual(Object.keys(chunks), ['IHDR', 'IDAT', 'IEND']);
  assert.equal(chunks.IHDR!.readUInt32BE(0), 16);
  const pixels = inflateSync(chunks.IDAT!);
  assert.equal(pixels.length, 16 * (1 + 16 * 4));
  assert.equal(pixels[1 + 3], 0, 'corner transparent');
  const mid = 8 * (1 + 16 * 4) + 1 + 8 * 4;
  assert.deepEqual([...pixels.subarray(mid, mid + 4)], [0xd9, 0x30, 0x25, 255]);
});
