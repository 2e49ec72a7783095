// The callback key file and the secrets derived from it (HMAC-SHA256, RFC 2104; base64url, RFC 4648 §5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CALLBACK_KEY_FILE, createCallbackSecrets, loadCallbackKey, looksLikeSecret } from '../../src/boot/callback-secret.js';

function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'corral-key-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('the key file is made at first start, mode 0600, and reused after a restart', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const data = join(dir, 'data');
    const k1 = await loadCallbackKey(data);
    assert.equal(k1.length, 32);
    const path = join(data, CALLBACK_KEY_FILE);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(data), [CALLBACK_KEY_FILE], 'no temporary file left behind');
    const k2 = await loadCallbackKey(data);
    assert.deepEqual(k2, k1);
    const other = tempDir();
    try {
      assert.notDeepEqual(await loadCallbackKey(other.dir), k1, 'random per appliance');
    } finally {
      other.cleanup();
    }
  } finally {
    cleanup();
  }
});

test('a key file others can read is narrowed to 0600; a damaged one is an error, not replaced', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const key = await loadCallbackKey(dir);
    const path = join(dir, CALLBACK_KEY_FILE);
    chmodSync(path, 0o644);
    assert.deepEqual(await loadCallbackKey(dir), key);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    writeFileSync(path, 'abcd\n');
    await assert.rejects(loadCallbackKey(dir), /not a 32-byte hex key/);
    assert.equal(statSync(path).size, 5, 'left for the operator to look at');
  } finally {
    cleanup();
  }
});

test('secrets: HMAC-SHA256 of host and attempt, 256 bits in base64url, distinct per host and attempt', () => {
  const key = Buffer.alloc(32, 1);
  const s = createCallbackSecrets(key);
  const a = s.secretFor('h1', '1000.1');
  assert.equal(a, createHmac('sha256', key).update('corral-callback-v1\0h1\0' + '1000.1').digest('base64url'));
  assert.match(a, /^[A-Za-z0-9_-]{43}$/);
  assert.ok(looksLikeSecret(a));
  assert.ok(!looksLikeSecret('52:54:00:00:00:01') && !looksLikeSecret('<callback-secret>'));
  const all = new Set([a, s.secretFor('h1', '1000.2'), s.secretFor('h2', '1000.1'), s.secretFor('h1', '1001.1'), createCallbackSecrets(Buffer.alloc(32, 2)).secretFor('h1', '1000.1')]);
  assert.equal(all.size, 5);
  // The separator keeps ("h1", "0.1") and ("h10", ".1") apart.
  assert.notEqual(s.secretFor('h1', '0.1'), s.secretFor('h10', '.1'));
});

test('matches is exact; isStale recognises only earlier attempts of the same run', () => {
  const s = createCallbackSecrets(Buffer.alloc(32, 3));
  const cur = s.secretFor('h1', '5000.4');
  assert.ok(s.matches(cur, 'h1', '5000.4'));
  assert.ok(!s.matches(cur.slice(0, 42), 'h1', '5000.4'));
  assert.ok(!s.matches(cur + 'x', 'h1', '5000.4'));
  assert.ok(!s.matches(cur, 'h2', '5000.4'));
  assert.ok(!s.matches('', 'h1', '5000.4'));
  assert.ok(s.isStale(s.secretFor('h1', '5000.3'), 'h1', '5000.4'));
  assert.ok(s.isStale(s.secretFor('h1', '5000.1'), 'h1', '5000.4'));
  assert.ok(!s.isStale(s.secretFor('h1', '5000.5'), 'h1', '5000.4'), 'a later attempt was never issued');
  assert.ok(!s.isStale(s.secretFor('h1', '4000.3'), 'h1', '5000.4'), 'another run');
  assert.ok(!s.isStale(cur, 'h1', '5000.4'));
  assert.throws(() => createCallbackSecrets(Buffer.alloc(16)), /at least 32 bytes/);
});
