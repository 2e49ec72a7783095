// Corral's virtual lab end to end, as a newcomer uses it: `corral lab up` builds the network,
// the QEMU machines (SeaBIOS + iPXE and OVMF) and their BMCs (ipmi_sim, Corral's Redfish BMC),
// and Corral — with no API call, on an auto site — powers each machine through its BMC, PXE-boots
// it, and the lab installer writes its disk and calls the checkpoints until every host is active.
// One booted lab serves the cases below; a second, in proxyDHCP mode beside a site DHCP server,
// comes last. Needs root (namespaces, taps, ports 67/69), QEMU, OVMF, ipmi_sim, openssl.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, openSync, readFileSync, readSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { api, consoleText, control, corral, labDown, labUp, labWhyNot, machine, sh, token, waitFor, type Lab } from './lab-helpers.js';

const skip = labWhyNot(['redfishtool', 'python3']);
const LAB: Lab = { name: 'corral-e2e', dir: '/tmp/corral-e2e-lab', api: 'http://127.0.0.1:18192' };
const LISTED = ['lab-n1', 'lab-n2', 'lab-n3'];

function diskRecord(name: string): string {
  const fd = openSync(join(LAB.dir, 'machines', name, 'disk.img'), 'r');
  try {
    const b = Buffer.alloc(1024);
    readSync(fd, b, 0, 1024, 0);
    return b.subarray(0, 512).readUInt16LE(510) === 0xaa55 ? b.subarray(512).toString('latin1').split('\n')[0]! : '';
  } finally {
    closeSync(fd);
  }
}

before(() => {
  if (skip) return;
  labDown(LAB);
  // n1 BIOS/IPMI, n2 BIOS/Redfish, n3 UEFI/IPMI (OVMF PXE), n4 UEFI/Redfish through UEFI HTTP
  // boot (--uefi-http: the last UEFI machine); lab-x1 is a machine the SoT does not list.
  labUp(LAB, ['--hosts', '4', '--uefi', '2', '--uefi-http', '1', '--unlisted', '1', '--timeout', '300']);
});

after(() => {
  if (!skip) labDown(LAB);
});

test('a second lab up while one runs is refused with the reason', { skip, timeout: 60_000 }, () => {
  const r = corral(['lab', 'up', '--name', LAB.name, '--dir', LAB.dir, '--api', '127.0.0.1:18099']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /already running in \/tmp\/corral-e2e-lab \(supervisor pid \d+/);
});

test('BIOS and UEFI machines behind IPMI and Redfish BMCs go to active with no API call', { skip, timeout: 15 * 60_000 }, async () => {
  const hosts = await waitFor('every lab host active', async () => {
    const list = (await api(LAB, '/hosts?site=corral-lab')) as any[];
    return LISTED.every((n) => list.find((h) => h.id === n)?.lifecycle_state === 'active') ? list : undefined;
  }, 12 * 60_000, 2000);
  assert.equal(hosts.length, 4); // and lab-n4, the UEFI HTTP boot case's
  for (const name of LISTED) {
    const types = ((await api(LAB, `/hosts/${name}/events`)) as any[]).map((e) => e.type);
    for (const t of ['provision.requested', 'power.acked', 'dhcp.acked', 'ipxe.served', 'kernel.fetched', 'checkpoint', 'provision.completed']) {
      if (t === 'provision.completed' && !types.includes(t)) continue; // older journals name completion by state only
      assert.ok(types.includes(t), `${name}: ${t} missing from ${types.join(', ')}`);
    }
    assert.ok(types.indexOf('ipxe.served') < types.indexOf('kernel.fetched') && types.indexOf('kernel.fetched') < types.lastIndexOf('checkpoint'), `${name}: in boot order: ${types.join(', ')}`);
    assert.equal(types.filter((t) => t === 'checkpoint').length, 2, `${name}: both installer checkpoints`);
    // The installer really wrote the machine's disk: a boot sector and its install record.
    assert.match(diskRecord(name), new RegExp(`^CORRAL-LAB-INSTALLED host=${name} boot=corral-lab-install mac=52:54:00:c0:00:0\\d ip=10\\.77\\.0\\.10\\d$`));
    // The serial console is captured and served by the API.
    const text = (await api(LAB, `/hosts/${name}/console`)) as string;
    assert.match(text, new RegExp(`CORRAL-LAB-INSTALL-OK host=${name}`));
  }
  assert.match(consoleText(LAB, 'lab-n3'), /platform efi/, 'n3 booted through UEFI');
  // UEFI firmware's own PXE client (OVMF, no iPXE ROM) fetched iPXE over TFTP first.
  assert.ok(((await api(LAB, '/hosts/lab-n3/events')) as any[]).some((e) => e.type === 'tftp.sent'), 'n3: snponly.efi over TFTP');
  assert.match(consoleText(LAB, 'lab-n1'), /SeaBIOS/, 'n1 booted through SeaBIOS');
  // Each BMC was driven by Corral: PXE-once and power through ipmi_sim (real ipmitool) and Redfish.
  const log = readFileSync(join(LAB.dir, 'lab.log'), 'utf8');
  for (const n of ['lab-n1', 'lab-n3']) {
    assert.match(log, new RegExp(`ipmi chassis \\{"machine":"${n}","op":"set","args":\\[[^\\]]*"boot"[^\\]]*"pxe"`), `${n}: bootdev pxe through IPMI`);
    assert.match(log, new RegExp(`ipmi chassis \\{"machine":"${n}","op":"set","args":\\[[^\\]]*"(power|reset)"`), `${n}: power through IPMI`);
  }
  assert.match(log, /redfish request \{"method":"PATCH","path":"\/redfish\/v1\/Systems\/[^"]+","status":20\d/, 'n2: boot override through Redfish');
  assert.match(log, /redfish request \{"method":"POST","path":"\/redfish\/v1\/Systems\/[^"]+\/Actions\/ComputerSystem.Reset","status":204/, 'n2: reset through Redfish');
  const password = readFileSync(join(LAB.dir, 'bmc.pass'), 'utf8').trim();
  for (const f of ['corral.log', 'lab.log']) assert.ok(!readFileSync(join(LAB.dir, f), 'utf8').includes(password), `the BMC password is never in ${f}`);
});

test('UEFI HTTP boot: a UEFI machine boots to active through HTTPClient DHCP and boot HTTP, with no TFTP', { skip, timeout: 10 * 60_000 }, async () => {
  await waitFor('lab-n4 active', async () => ((await api(LAB, '/hosts/lab-n4')).lifecycle_state === 'active' ? true : undefined), 8 * 60_000, 2000);
  const text = consoleText(LAB, 'lab-n4');
  // OVMF tried HTTP boot, never PXE, and fetched the iPXE EFI binary from boot HTTP by the URL
  // Corral answered (option 60 HTTPClient, the URL as boot file: UEFI 2.5+ §24.7).
  assert.match(text, /Start HTTP Boot over IPv4/);
  assert.match(text, /URI: http:\/\/10\.77\.0\.1:8080\/ipxe-bin\/snponly\.efi/);
  assert.doesNotMatch(text, /Start PXE over IPv|NBP filename|Downloading NBP/, 'no PXE attempt');
  assert.match(text, /platform efi/);
  assert.match(text, /CORRAL-LAB-INSTALL-OK host=lab-n4/);
  assert.match(diskRecord('lab-n4'), /^CORRAL-LAB-INSTALLED host=lab-n4 /);
  const events = (await api(LAB, '/hosts/lab-n4/events')) as any[];
  assert.ok(events.some((e) => e.type === 'dhcp.acked' && e.data?.client === 'http'), 'the firmware DHCP was an HTTP boot client\'s');
  assert.ok(events.some((e) => e.type === 'dhcp.acked' && e.data?.client === 'ipxe'), "then iPXE's");
  assert.deepEqual(events.filter((e) => e.type.startsWith('tftp.') || e.data?.client === 'pxe').map((e) => e.type), [], 'no TFTP read and no PXE exchange for lab-n4');
  // The TFTP server saw no request from lab-n4's address.
  assert.doesNotMatch(readFileSync(join(LAB.dir, 'corral.log'), 'utf8'), /tftp[^\n]*10\.77\.0\.104/i);
});

test('an active machine that network-boots again gets the local-boot answer and does not reinstall', { skip, timeout: 10 * 60_000 }, async () => {
  const before = ((await api(LAB, '/hosts/lab-n1/events')) as any[]).length;
  const mark = consoleText(LAB, 'lab-n1').length;
  await control(LAB, 'POST', '/machines/lab-n1/boot', 'pxe');
  await control(LAB, 'POST', '/machines/lab-n1/power', 'on');
  const after = await waitFor('lab-n1 to boot its disk', () => {
    const t = consoleText(LAB, 'lab-n1').slice(mark);
    return t.includes('CORRAL-LAB: booted from local disk') ? t : undefined;
  }, 5 * 60_000);
  assert.match(after, /already installed; booting from disk/, "Corral's iPXE answer sent it to its disk");
  assert.doesNotMatch(after, /installer started/);
  await control(LAB, 'POST', '/machines/lab-n1/power', 'off');
  const h = await api(LAB, '/hosts/lab-n1');
  assert.equal(h.lifecycle_state, 'active');
  const events = ((await api(LAB, '/hosts/lab-n1/events')) as any[]).slice(before).map((e) => e.type);
  assert.ok(!events.includes('provision.requested') && !events.includes('kernel.fetched'), `no reinstall: ${events.join(', ')}`);
});

test('independent Redfish clients (redfishtool, sushy) power a lab VM on with PXE once; Corral powers it off', { skip, timeout: 10 * 60_000 }, async () => {
  const pass = readFileSync(join(LAB.dir, 'bmc.pass'), 'utf8').trim();
  const rt = (args: string) => sh(`env -u REQUESTS_CA_BUNDLE -u CURL_CA_BUNDLE ip netns exec ${LAB.name} redfishtool -r 127.0.0.1:8702 -u admin -p '${pass}' -S Always ${args}`, 60_000);
  let r = rt('Systems setBootOverride Once Pxe');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.deepEqual((await machine(LAB, 'lab-n2')).boot_override, { device: 'pxe', once: true });
  r = rt('Systems reset On');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal((await machine(LAB, 'lab-n2')).power, 'On');
  // The PXE-once override was consumed by that power-on; Corral (the host is active) powers it off.
  assert.equal((await machine(LAB, 'lab-n2')).boot_override, null);
  const off = await api(LAB, '/hosts/lab-n2/power', { method: 'POST', headers: { 'content-type': 'application/json', 'x-auth-token': token(LAB) }, body: JSON.stringify({ action: 'off' }) });
  assert.equal(off.host ?? off.id ?? 'lab-n2', 'lab-n2', JSON.stringify(off));
  await waitFor('lab-n2 off', async () => ((await machine(LAB, 'lab-n2')).power === 'Off' ? true : undefined), 60_000);
  // sushy, the Redfish library of OpenStack Ironic.
  const py = `
import sushy, sys
s = sushy.Sushy('https://127.0.0.1:8702/redfish/v1', username='admin', password=sys.argv[1], verify=False)
sysm = s.get_system(s.get_system_collection().members_identities[0])
sysm.set_system_boot_options(sushy.BOOT_SOURCE_TARGET_PXE, enabled=sushy.BOOT_SOURCE_ENABLED_ONCE)
sysm.reset_system(sushy.RESET_ON)
sysm.refresh()
print(sysm.power_state)
`;
  // Debian's python3 (where python3-sushy lives); CA-bundle variables would override verify=False.
  r = sh(`env -u REQUESTS_CA_BUNDLE -u CURL_CA_BUNDLE ip netns exec ${LAB.name} /usr/bin/python3 -W ignore -c "${py.replace(/"/g, '\\"')}" '${pass}'`, 60_000);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal((await machine(LAB, 'lab-n2')).power, 'On');
  await control(LAB, 'POST', '/machines/lab-n2/power', 'off');
});

test('a machine whose MAC is not in the SoT gets no offer (discovery off)', { skip, timeout: 5 * 60_000 }, async () => {
  const unknownBefore = JSON.stringify((await api(LAB, '/services')).dhcp.stats);
  await control(LAB, 'POST', '/machines/lab-x1/boot', 'pxe');
  await control(LAB, 'POST', '/machines/lab-x1/power', 'on');
  // iPXE gives up on DHCP after its timeout and says so on the console.
  const text = await waitFor("lab-x1's firmware to give up on DHCP", () => {
    const t = consoleText(LAB, 'lab-x1');
    return /No configuration methods succeeded|PXE-E51|No more network devices|Booting from Hard Disk/.test(t) ? t : undefined;
  }, 4 * 60_000, 2000);
  await control(LAB, 'POST', '/machines/lab-x1/power', 'off');
  assert.doesNotMatch(text, /Next server:|Filename:|net0: 10\.77\.0\./, 'no address or boot file for an unknown MAC');
  const stats = (await api(LAB, '/services')).dhcp.stats;
  assert.notEqual(JSON.stringify(stats), unknownBefore);
  assert.match(JSON.stringify(stats), /unknown/, `unknown MAC drops are counted: ${JSON.stringify(stats)}`);
});

test('lab down leaves no namespace, process, tap or file behind', { skip, timeout: 3 * 60_000 }, () => {
  const out = labDown(LAB);
  assert.match(out, /lab corral-e2e down/);
  assert.doesNotMatch(sh('ip netns list').stdout, /corral-e2e/);
  assert.equal(sh(`pgrep -af '${LAB.dir}' | grep -v pgrep`).stdout.trim(), '', 'no lab process left');
  assert.ok(!existsSync(LAB.dir), 'lab folder removed');
});

test('proxyDHCP mode: BIOS and UEFI machines boot to active beside the site DHCP server', { skip, timeout: 15 * 60_000 }, async () => {
  const PROXY: Lab = { name: 'corral-e2p', dir: '/tmp/corral-e2p-lab', api: 'http://127.0.0.1:18193' };
  labDown(PROXY);
  try {
    labUp(PROXY, ['--hosts', '2', '--uefi', '1', '--bmc', 'ipmi', '--dhcp-mode', 'proxy', '--timeout', '300']);
    await waitFor('both proxy-mode hosts active', async () => {
      const list = (await api(PROXY, '/hosts?site=corral-lab')) as any[];
      return ['lab-n1', 'lab-n2'].every((n) => list.find((h) => h.id === n)?.lifecycle_state === 'active') ? true : undefined;
    }, 12 * 60_000, 2000);
    for (const n of ['lab-n1', 'lab-n2']) {
      const events = (await api(PROXY, `/hosts/${n}/events`)) as any[];
      const types = events.map((e) => e.type);
      // Corral hands out no address here (a proxy ACK on port 4011 carries only boot information).
      const leased = events.filter((e) => e.type === 'dhcp.acked' && /^10\.77\.0\.10\d$/.test(String(e.data?.ip ?? '')));
      assert.deepEqual(leased, [], `${n}: the site server, not Corral, leased the address`);
      assert.ok(types.includes('ipxe.served') && types.includes('checkpoint'), `${n}: ${types.join(', ')}`);
      // The site's dnsmasq range is .150-.199.
      assert.match(consoleText(PROXY, n), /net0: 10\.77\.0\.1[5-9]\d/, `${n}: address from the site server`);
    }
  } finally {
    labDown(PROXY);
  }
});
