// A real `corral serve` listening beyond loopback: the local admin token file, `corral user`
// while the appliance runs, tokens through vmpooler's route, the CLI authenticating with the
// file, and planted secrets (a BMC password, a user password, a token) that must never show up
// in a response, a log line or the journal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE, writeSot } from '../sot/helpers.js';
import { startServe, stop } from './serve-process.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const BMC_PASS = 'PLANTED-bmc-7f3a9c1e';
const USER_PASS = 'PLANTED-pw-41d2b8aa';

function corral(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/bin.ts', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
}

test('serve on 0.0.0.0: tokens required for reads, admin token file, corral user via the API, no secret leaks', { timeout: 180_000 }, async () => {
  const { dir, cleanup } = writeSot(BASE);
  const data = mkdtempSync(join(tmpdir(), 'corral-auth-'));
  const pwFile = join(data, '..', `pw-${process.pid}`);
  writeFileSync(pwFile, `${USER_PASS}\n`, { mode: 0o600 });
  const s = await startServe(dir, data, ['--listen', '0.0.0.0:0'], { ...process.env, BMC_PASS });
  const responses: string[] = [];
  // Responses that must show a token (the one that issues it, the one keyed by it) are not kept.
  const fetchText = async (path: string, init: RequestInit = {}, showsToken = false) => {
    const r = await fetch(`${s.base}${path}`, init);
    const text = await r.text();
    if (!showsToken) responses.push(text);
    return { status: r.status, text, json: () => JSON.parse(text) };
  };
  let token = '';
  try {
    // The local admin token: created at first start, private to the appliance's user.
    const tokenFile = join(data, 'admin.token');
    assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
    const adminToken = readFileSync(tokenFile, 'utf8').trim();
    assert.match(adminToken, /^[a-y][a-z0-9]{31}$/);

    // Beyond loopback, reads need a token; health and the API document do not.
    assert.equal((await fetchText('/v1/hosts')).status, 401);
    assert.equal((await fetchText('/v1/health')).status, 200);
    assert.equal((await fetchText('/v1/hosts', { headers: { 'X-AUTH-TOKEN': adminToken } })).status, 200);

    // corral user add while the store is held by the running appliance: through the API.
    const add = corral(['user', 'add', 'alice', '--role', 'user', '--password-file', pwFile, '--data', data, '--api', s.base]);
    assert.equal(add.status, 0, add.stderr);
    const list = corral(['user', 'list', '--data', data, '--api', s.base]);
    assert.match(list.stdout, /^alice\s+user\s/m);

    // vmpooler's token route with HTTP Basic; a wrong password first (it must not be logged).
    const basic = (p: string) => ({ Authorization: `Basic ${Buffer.from(`alice:${p}`).toString('base64')}` });
    assert.equal((await fetchText('/api/v1/token', { method: 'POST', headers: basic('PLANTED-wrong-0c0c') })).status, 401);
    const made = await fetchText('/api/v1/token', { method: 'POST', headers: basic(USER_PASS) }, true);
    assert.equal(made.status, 200);
    token = made.json().token;
    const hosts = await fetchText('/v1/hosts', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(hosts.status, 200);
    assert.match(hosts.text, /"password_set":true/);

    // The CLI authenticates with the file; a user token cannot do admin work.
    const cliHosts = corral(['hosts', '--api', s.base, '--data', data]);
    assert.equal(cliHosts.status, 0, cliHosts.stderr);
    assert.match(cliHosts.stdout, /^h1\s/m);
    const denied = corral(['provision', 'h1', '--api', s.base], { CORRAL_TOKEN: token });
    assert.equal(denied.status, 1);
    assert.match(denied.stderr, /FORBIDDEN/);
    const noToken = corral(['provision', 'h1', '--api', s.base, '--data', join(data, 'nowhere')]);
    assert.equal(noToken.status, 1);
    assert.match(noToken.stderr, /UNAUTHORIZED/);
    // With the file's admin token the request gets past auth to the route, which knows no such
    // host. (Not h1: whether it is still provisioning depends on when its unreachable BMC gives up.)
    const admitted = corral(['provision', 'nope', '--api', s.base, '--data', data]);
    assert.equal(admitted.status, 1);
    assert.match(admitted.stderr, /HOST_NOT_FOUND: host "nope" not found/);
    for (const path of ['/v1/users', '/v1/hosts/h1', '/v1/hosts/h1/events', '/openapi.json']) await fetchText(path, { headers: { 'X-AUTH-TOKEN': adminToken } });
    await fetchText(`/api/v1/token/${token}`, {}, true);
    await fetchText('/api/v1/token', { headers: basic(USER_PASS) });
  } finally {
    assert.equal(await stop(s), 0);
  }
  try {
    const files = readdirSync(data).filter((f) => statSync(join(data, f)).isFile());
    // Journal entries (the events every history shows). The same file's write-ahead ops carry the
    // user record itself, hash included: that is the store, 0600 like the snapshot.
    const lines = files.filter((f) => f.startsWith('journal')).flatMap((f) => readFileSync(join(data, f), 'utf8').split('\n').filter(Boolean));
    const journal = lines.map((l) => JSON.stringify((JSON.parse(l) as { ev?: unknown[] }).ev ?? [])).join('\n');
    assert.ok(journal.includes('user.added'), 'the journal records the user, not the secret');
    for (const f of files) assert.equal(statSync(join(data, f)).mode & 0o077, 0, `${f} is private`);
    const state = JSON.parse(readFileSync(join(data, 'state.json'), 'utf8'));
    const hash: string = state.data.users.alice.passwordHash;
    assert.ok(hash.length > 20);
    const everything = { log: s.log(), responses: responses.join('\n'), journal };
    for (const [where, text] of Object.entries(everything)) {
      for (const [what, secret] of Object.entries({ 'BMC password': BMC_PASS, 'user password': USER_PASS, 'wrong password': 'PLANTED-wrong-0c0c', token, 'password hash': hash })) {
        assert.ok(!text.includes(secret), `${what} found in ${where}`);
      }
    }
    // The snapshot keeps only the hash and a token's hash.
    const snap = readFileSync(join(data, 'state.json'), 'utf8');
    for (const secret of [BMC_PASS, USER_PASS, token]) assert.ok(!snap.includes(secret));
  } finally {
    cleanup();
    rmSync(data, { recursive: true, force: true });
    rmSync(pwFile, { force: true });
  }
});
