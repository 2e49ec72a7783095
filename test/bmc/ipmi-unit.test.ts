// The IPMI driver with a fake ipmitool: argv shape, the password only in the child's environment,
// efiboot for UEFI, cycle-from-off, and the stderr -> typed error table. The stderr samples are
// what ipmitool 1.8.19 -v printed against ipmi_sim 2.0.33 (wrong password, unknown user, closed
// port, cipher 17, USER privilege), plus documented messages of real BMCs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIpmiDriver, parseColonList, type IpmiExec } from '../../src/bmc/ipmi.js';
import { classifyIpmiFailure, type ExecOutcome } from '../../src/bmc/ipmi-errors.js';
import type { BmcTarget } from '../../src/bmc/types.js';

const PW = 'S3cret-Passw0rd';
const target: BmcTarget = { hostId: 'n1', address: '10.0.0.5', port: 9621, username: 'admin', password: PW, cipherSuite: 3, firmware: 'bios' };

interface Call {
  file: string;
  args: string[];
  env: Record<string, string>;
  timeoutMs: number;
}

function fake(answer: (args: string[]) => Partial<ExecOutcome>): { exec: IpmiExec; calls: Call[] } {
  const calls: Call[] = [];
  const exec: IpmiExec = async (file, args, opts) => {
    calls.push({ file, args, ...opts });
    return { exitCode: 0, stdout: '', stderr: '', timedOut: false, ...answer(args) };
  };
  return { exec, calls };
}

const VSO_NOISE = 'Loading IANA PEN Registry...\nRunning Get VSO Capabilities my_addr 0x20, transit 0, target 0x20\nInvalid completion code received: Invalid command\nDiscovered IPMB address 0x0\n';

test('argv: lanplus, host, port, user, -E, cipher, -N/-R, -v, command; password only in env', async () => {
  const { exec, calls } = fake(() => ({ stdout: 'Chassis Power is on\n', stderr: VSO_NOISE }));
  const d = createIpmiDriver({ exec, binary: '/usr/bin/ipmitool', sessionTimeoutSec: 1, sessionRetries: 2 });
  assert.equal(await d.powerStatus(target), 'on');
  const c = calls[0]!;
  assert.equal(c.file, '/usr/bin/ipmitool');
  assert.deepEqual(c.args, ['-I', 'lanplus', '-H', '10.0.0.5', '-p', '9621', '-U', 'admin', '-E', '-C', '3', '-N', '1', '-R', '2', '-v', 'chassis', 'power', 'status']);
  assert.ok(!c.args.some((a) => a.includes(PW)), 'password not in argv');
  assert.ok(!c.args.includes('-P'));
  assert.equal(c.env.IPMI_PASSWORD, PW);
  assert.deepEqual(Object.keys(c.env).sort(), ['IPMI_PASSWORD', 'LANG', 'LC_ALL', 'PATH'], 'nothing else of our environment leaks');
  assert.ok(c.timeoutMs >= 6000 && c.timeoutMs <= 12_000, `hard limit ${c.timeoutMs}`);
});

test('defaults: port 623, no -C (ipmitool picks 17), -N 2 -R 1', async () => {
  const { exec, calls } = fake(() => ({ stdout: 'Chassis Power is off\n' }));
  const d = createIpmiDriver({ exec });
  const { port: _p, cipherSuite: _c, ...plain } = target;
  assert.equal(await d.powerStatus(plain), 'off');
  const args = calls[0]!.args;
  assert.equal(calls[0]!.file, 'ipmitool');
  assert.deepEqual(args.slice(0, 6), ['-I', 'lanplus', '-H', '10.0.0.5', '-p', '623']);
  assert.ok(!args.includes('-C'));
  assert.deepEqual(args.slice(args.indexOf('-N'), args.indexOf('-N') + 4), ['-N', '2', '-R', '1']);
});

test('boot device: pxe, with options=efiboot on UEFI hosts', async () => {
  const { exec, calls } = fake(() => ({ stdout: 'Set Boot Device to pxe\n' }));
  const d = createIpmiDriver({ exec });
  await d.bootPxeOnce(target);
  await d.bootPxeOnce({ ...target, firmware: 'uefi' });
  assert.deepEqual(calls[0]!.args.slice(-3), ['chassis', 'bootdev', 'pxe']);
  assert.deepEqual(calls[1]!.args.slice(-4), ['chassis', 'bootdev', 'pxe', 'options=efiboot']);
});

test('power actions after a quick status probe; cycle powers on a chassis that is off', async () => {
  let state = 'off';
  const { exec, calls } = fake((args) => {
    const verb = args[args.length - 1];
    if (verb === 'status') return { stdout: `Chassis Power is ${state}\n` };
    if (verb === 'on' || verb === 'cycle' || verb === 'reset') state = 'on';
    if (verb === 'off' || verb === 'soft') state = 'off';
    return { stdout: 'Chassis Power Control: ok\n' };
  });
  const d = createIpmiDriver({ exec });
  const verbs = () => calls.map((c) => c.args.slice(-1)[0]);
  await d.power(target, 'cycle');
  assert.deepEqual(verbs(), ['status', 'on']);
  await d.power(target, 'cycle');
  assert.deepEqual(verbs().slice(2), ['status', 'cycle']);
  for (const a of ['on', 'off', 'soft', 'reset'] as const) await d.power(target, a);
  assert.deepEqual(verbs().slice(4), ['status', 'on', 'status', 'off', 'status', 'soft', 'status', 'reset']);
  // The status probe uses the short -N, the action the long one (slow BMCs answer when done).
  const nOf = (c: Call) => c.args[c.args.indexOf('-N') + 1];
  assert.deepEqual(calls.slice(4, 6).map(nOf), ['2', '6']);
});

const table: Array<[string, Partial<ExecOutcome>, string, boolean]> = [
  ['wrong password (observed)', { stderr: 'Loading IANA PEN Registry...\n> RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session\n' }, 'BMC_AUTH_FAILED', false],
  ['unknown user (observed)', { stderr: 'Loading IANA PEN Registry...\nRAKP 2 message indicates an error : unauthorized name\nError: Unable to establish IPMI v2 / RMCP+ session\n' }, 'BMC_AUTH_FAILED', false],
  ['closed port (observed)', { stderr: 'Loading IANA PEN Registry...\nGet Auth Capabilities error\nError issuing Get Channel Authentication Capabilities request\nError: Unable to establish IPMI v2 / RMCP+ session\n' }, 'BMC_UNREACHABLE', true],
  ['cipher 17 on ipmi_sim (observed)', { stderr: 'Error in open session response message : invalid authentication algorithm\n\nError: Unable to establish IPMI v2 / RMCP+ session\n' }, 'BMC_UNSUPPORTED', false],
  ['USER privilege (observed)', { stderr: `${VSO_NOISE}Set Chassis Power Control to Down/Off failed: Insufficient privilege level\n` }, 'BMC_AUTH_FAILED', false],
  ['unknown host name (observed)', { stderr: 'Address lookup for no.such.host.invalid failed\nCould not open socket!\nError: Unable to establish IPMI v2 / RMCP+ session\n' }, 'BMC_UNREACHABLE', true],
  ['no password in env (observed)', { stderr: 'Unable to read password from environment\nPassword: Error: Unable to establish IPMI v2 / RMCP+ session\n' }, 'BMC_AUTH_FAILED', false],
  ['no cipher suite match', { stderr: 'Error in open session response message : no Cipher Suite match with proposed security algorithms\n' }, 'BMC_UNSUPPORTED', false],
  ['BMC out of sessions', { stderr: 'Error in open session response message : insufficient resources for session\n' }, 'BMC_UNREACHABLE', true],
  ['answer lost mid-command', { stderr: `${VSO_NOISE}Unable to set Chassis Power Control to Cycle\n` }, 'BMC_TIMEOUT', true],
  ['command not supported', { stderr: `${VSO_NOISE}Set Chassis Boot Parameter 5 failed: Invalid data field in request\n` }, 'BMC_UNSUPPORTED', false],
  ['killed by the time limit', { timedOut: true, exitCode: null }, 'BMC_TIMEOUT', true],
  ['ipmitool missing', { spawnError: 'ENOENT ipmitool', exitCode: null }, 'BMC_UNSUPPORTED', false],
  ['only the generic last line', { stderr: 'Error: Unable to establish IPMI v2 / RMCP+ session\n' }, 'BMC_UNREACHABLE', false],
];

for (const [name, out, code, retryable] of table) {
  test(`error mapping: ${name} -> ${code}`, () => {
    const e = classifyIpmiFailure({ exitCode: 1, stdout: '', stderr: '', timedOut: false, ...out }, 'power status', '10.0.0.5:623');
    assert.equal(e.code, code, e.message);
    assert.equal(e.details?.retryable, retryable);
    assert.ok(!/Loading IANA|VSO/.test(e.message), `noise kept out of the message: ${e.message}`);
  });
}

test('a failed run surfaces as the typed error through the driver', async () => {
  const { exec } = fake(() => ({ exitCode: 1, stderr: '> RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session\n' }));
  await assert.rejects(createIpmiDriver({ exec }).power(target, 'on'), (e: Error & { code?: string }) => {
    return e.code === 'BMC_AUTH_FAILED' && /wrong password/.test(e.message) && !e.message.includes(PW);
  });
  const odd = fake(() => ({ stdout: 'something else\n' }));
  await assert.rejects(createIpmiDriver({ exec: odd.exec }).powerStatus(target), { code: 'BMC_UNSUPPORTED' });
});

test('facts from mc info (ipmi_sim output); FRU absence tolerated', async () => {
  const mc = 'Device ID                 : 0\nDevice Revision           : 3\nFirmware Revision         : 9.08\nIPMI Version              : 2.0\nManufacturer ID           : 4753\nManufacturer Name         : MontaVista Software, Inc.\nProduct ID                : 3842 (0x0f02)\n';
  const { exec } = fake((args) => (args.includes('mc') ? { stdout: mc } : { exitCode: 1, stdout: 'FRU Device Description : Builtin FRU Device (ID 0)\n', stderr: ' Device not present (Invalid data field in request)\n' }));
  const f = await createIpmiDriver({ exec }).facts!(target);
  assert.deepEqual(f, { firmwareRevision: '9.08', ipmiVersion: '2.0', manufacturerId: '4753', manufacturer: 'MontaVista Software, Inc.', productId: '3842 (0x0f02)' });
  assert.deepEqual(parseColonList(' Product Name          : R640\n Product Serial        : ABC123\n', { 'Product Name': 'productName', 'Product Serial': 'serialNumber' }), { productName: 'R640', serialNumber: 'ABC123' });
});
