// The desktop settings file: the flag names as JSON keys, checked for shape, then validated by
// the same resolveServe as `corral serve` — with errors naming the file and the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, formatSettingsJson, jsonLabel, parseSettingsJson, readSettingsFile, resolveServe, serveConfigFromArgs, writeSettingsFile } from '../../src/config/index.js';

test('a settings file and the same flags give the same configuration', () => {
  const file = parseSettingsJson(JSON.stringify({ sot: '/s', data: '/d', listen: '127.0.0.1:9000', interface: 'eth1', 'http-port': 8081, 'no-dhcp': true, 'stage-timeout': 'power=10', 'log-level': null }));
  const flags = serveConfigFromArgs(['--sot', '/s', '--data', '/d', '--listen', '127.0.0.1:9000', '--interface', 'eth1', '--http-port', '8081', '--no-dhcp', '--stage-timeout', 'power=10']);
  assert.deepEqual(resolveServe(file), flags);
});

test('shape errors name the file and the key', () => {
  const bad: [string, RegExp][] = [
    ['{', /^settings\.json: not valid JSON/],
    ['[]', /must be a JSON object/],
    ['"x"', /must be a JSON object/],
    ['{"sott": "/s"}', /unknown setting "sott" \(known: sot, data,/],
    ['{"no-dhcp": "yes"}', /"no-dhcp" must be true or false, not "yes"/],
    ['{"sot": 5, "data": {}}', /"data" must be a string, not \{\}/],
    ['{"api-name": [1, {}]}', /"api-name" must be a list of strings/],
    ['{"listen": 1e400}', /"listen" must be a string, not null/],
  ];
  for (const [text, re] of bad) assert.throws(() => parseSettingsJson(text, 'settings.json'), (e: unknown) => e instanceof ConfigError && re.test(e.message), text);
});

test('values are validated like flags, worded as JSON keys', () => {
  const v = parseSettingsJson('{"sot": "/s", "data": "/d", "listen": "nope"}');
  assert.throws(() => resolveServe(v, { label: jsonLabel }), { message: /^"listen" "nope" is not host:port/ });
  assert.throws(() => resolveServe(parseSettingsJson('{"data": "/d"}'), { label: jsonLabel }), { message: /^serve needs "sot" <dir> and "data" <dir>$/ });
});

test('write then read: the same settings, a 0600 file, stable key order', () => {
  const dir = mkdtempSync(join(tmpdir(), 'corral-settings-'));
  try {
    const path = join(dir, 'nested', 'settings.json');
    assert.equal(readSettingsFile(path), undefined, 'no file: a first run');
    writeSettingsFile(path, { interface: 'eth0', data: '/d', sot: '/s' });
    assert.deepEqual(readSettingsFile(path), { sot: '/s', data: '/d', interface: 'eth0' });
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(readFileSync(path, 'utf8'), formatSettingsJson({ sot: '/s', data: '/d', interface: 'eth0' }));
    assert.ok(readFileSync(path, 'utf8').indexOf('"sot"') < readFileSync(path, 'utf8').indexOf('"interface"'));
    writeFileSync(path, '{"listen": [1]}');
    assert.throws(() => readSettingsFile(path), (e: unknown) => e instanceof ConfigError && e.message.startsWith(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
