// The boot decision (STYLE P8): client classification and arch -> boot file, on the captured
// packets and on adversarial tables.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeDhcp } from '../../src/dhcp/codec.js';
import { classifyClient, decideBoot, type BootClient, type BootTarget, type BootDecision } from '../../src/dhcp/pxe.js';
import { ascii, bytes, loadFixture, request, type FixtureName } from './support.js';

const CFG: BootTarget = {
  tftpServer: '10.77.0.1',
  httpBase: 'http://10.77.0.1:8080',
  scriptUrl: 'http://10.77.0.1:8080/ipxe/52-54-00-77-00-01.ipxe',
};
const SCRIPT: BootDecision = { kind: 'http', url: CFG.scriptUrl };
const tftp = (file: string): BootDecision => ({ kind: 'tftp', file, nextServer: '10.77.0.1' });
const none = (reason: string): BootDecision => ({ kind: 'none', reason });
const vc = (s: string): [number, Uint8Array] => [60, ascii(s)];
const arch = (...codes: number[]): [number, Uint8Array] => [93, Uint8Array.from(codes.flatMap((c) => [c >> 8, c & 255]))];
const PXE = (a: number) => vc(`PXEClient:Arch:${String(a).padStart(5, '0')}:UNDI:003000`);
const HTTP = (a: number) => vc(`HTTPClient:Arch:${String(a).padStart(5, '0')}:UNDI:003000`);

const client = (over: Partial<BootClient>): BootClient => ({
  arch: undefined, firmware: 'unknown', isPxe: false, isHttpClient: false, isIpxe: false, ipxeHttp: false, ...over,
});

describe('captured clients', () => {
  const cases: [FixtureName, BootClient, BootDecision][] = [
    ['bios-ipxe-rom-discover.hex', client({ arch: 0, firmware: 'bios', isPxe: true, isIpxe: true, ipxeHttp: true }), SCRIPT],
    ['bios-undionly-discover.hex', client({ arch: 0, firmware: 'bios', isPxe: true, isIpxe: true, ipxeHttp: true }), SCRIPT],
    ['uefi-ovmf-pxe-discover.hex', client({ arch: 7, firmware: 'uefi', isPxe: true }), tftp('snponly.efi')],
    ['uefi-ovmf-http-discover.hex', client({ arch: 16, firmware: 'uefi', isHttpClient: true }), { kind: 'http', url: 'http://10.77.0.1:8080/ipxe/snponly.efi', vendorClass: 'HTTPClient' }],
    ['uefi-ipxe-rom-discover.hex', client({ arch: 7, firmware: 'uefi', isPxe: true, isIpxe: true, ipxeHttp: true }), SCRIPT],
    ['ipxe-rfc3004-user-class-discover.hex', client({ arch: 0, firmware: 'bios', isPxe: true, isIpxe: true, ipxeHttp: true }), SCRIPT],
    ['relayed-request.hex', client({ arch: 0, firmware: 'bios', isPxe: true, isIpxe: true, ipxeHttp: true }), SCRIPT],
  ];
  for (const [name, expected, decision] of cases) {
    it(`${name} -> ${decision.kind}`, () => {
      const c = classifyClient(decodeDhcp(loadFixture(name)));
      assert.deepEqual(c, expected);
      assert.deepEqual(decideBoot(c, CFG), decision);
    });
  }
});

describe('classifyClient: adversarial requests', () => {
  const cases: [string, [number, Uint8Array][], Partial<BootClient>][] = [
    ['no options at all (plain BOOTP)', [], {}],
    ['plain DHCP client (dhclient-like)', [[53, bytes(1)], vc('udhcp 1.35.0')], {}],
    ['no option 93: arch from the vendor class', [PXE(7)], { arch: 7, firmware: 'uefi', isPxe: true }],
    ['no option 93, vendor class without Arch', [vc('PXEClient')], { isPxe: true }],
    ['arch list [7, 0]: first entry', [PXE(7), arch(7, 0)], { arch: 7, firmware: 'uefi', isPxe: true }],
    ['arch list [0, 7]: first entry', [PXE(7), arch(0, 7)], { arch: 0, firmware: 'bios', isPxe: true }],
    ['malformed option 93 (3 bytes): vendor class fallback', [PXE(0), [93, bytes(0, 7, 0)]], { arch: 0, firmware: 'bios', isPxe: true }],
    ['option 93 wins over a contradicting vendor class', [PXE(0), arch(7)], { arch: 7, firmware: 'uefi', isPxe: true }],
    ['garbage vendor class bytes', [[60, bytes(0xff, 0xfe, 0, 0x50)], arch(7)], { arch: 7, firmware: 'uefi' }],
    ['lower-case pxeclient is not PXE', [vc('pxeclient:Arch:00007:UNDI:003000'), arch(7)], { arch: 7, firmware: 'uefi' }],
    ['vendor class with a garbage Arch field', [vc('PXEClient:Arch:0x007:UNDI')], { isPxe: true }],
    ['unknown arch 99', [PXE(99), arch(99)], { arch: 99, isPxe: true }],
    ['HTTPClient, arch 16', [HTTP(16), arch(16)], { arch: 16, firmware: 'uefi', isHttpClient: true }],
    ['user class RFC 3004 "iPXE", no 175', [PXE(0), arch(0), [77, bytes(4, ...ascii('iPXE'))]], { arch: 0, firmware: 'bios', isPxe: true, isIpxe: true, ipxeHttp: true }],
    ['user class RFC 3004 ["corral", "iPXE"]', [[77, bytes(6, ...ascii('corral'), 4, ...ascii('iPXE'))]], { isIpxe: true, ipxeHttp: true }],
    ['user class raw "ipxe" (wrong case) is not iPXE', [PXE(0), arch(0), [77, ascii('ipxe')]], { arch: 0, firmware: 'bios', isPxe: true }],
    ['175 without the HTTP feature', [[77, ascii('iPXE')], [175, bytes(0x15, 1, 1)]], { isIpxe: true, ipxeHttp: false }],
    ['175 with HTTP = 0', [[175, bytes(0x13, 1, 0)]], { isIpxe: true, ipxeHttp: false }],
    ['175 alone, malformed: iPXE, HTTP assumed', [[175, bytes(0x13, 5, 1)]], { isIpxe: true, ipxeHttp: true }],
  ];
  for (const [what, options, expected] of cases) {
    it(what, () => assert.deepEqual(classifyClient(request(options)), client(expected)));
  }
});

describe('decideBoot', () => {
  const cases: [string, Partial<BootClient>, BootTarget['files'], BootDecision][] = [
    ['iPXE: the per-host script (breaks the chainload loop)', { arch: 7, isPxe: true, isIpxe: true, ipxeHttp: true }, undefined, SCRIPT],
    ['iPXE without HTTP', { arch: 0, isPxe: true, isIpxe: true }, undefined, none('iPXE without HTTP support: chainloading would loop')],
    ['not PXE, not iPXE', { arch: 0 }, undefined, none('not a PXE or HTTP boot client')],
    ['PXE without arch', { isPxe: true }, undefined, none('no client architecture (option 93)')],
    ['BIOS', { arch: 0, isPxe: true }, undefined, tftp('undionly.kpxe')],
    ['BIOS, configured', { arch: 0, isPxe: true }, { bios: 'ipxe.pxe' }, tftp('ipxe.pxe')],
    ['IA32 UEFI: no build by default', { arch: 6, isPxe: true }, undefined, none('no iPXE build for 32-bit UEFI on this appliance')],
    ['IA32 UEFI, configured', { arch: 6, isPxe: true }, { byArch: { 6: 'ipxe-i386.efi' } }, tftp('ipxe-i386.efi')],
    ['x64 UEFI (7)', { arch: 7, isPxe: true }, undefined, tftp('snponly.efi')],
    ['x64 UEFI (9)', { arch: 9, isPxe: true }, undefined, tftp('snponly.efi')],
    ['x64 UEFI, ipxe.efi configured', { arch: 9, isPxe: true }, { uefi: 'ipxe.efi' }, tftp('ipxe.efi')],
    ['ARM 32', { arch: 10, isPxe: true }, undefined, none('no iPXE build for arm on this appliance')],
    ['ARM 64', { arch: 11, isPxe: true }, undefined, none('no iPXE build for arm on this appliance')],
    ['ARM 64, configured', { arch: 11, isPxe: true }, { byArch: { 11: 'arm64/snp.efi' } }, tftp('arm64/snp.efi')],
    ['HTTP boot x64', { arch: 16, isHttpClient: true }, undefined, { kind: 'http', url: 'http://10.77.0.1:8080/ipxe/snponly.efi', vendorClass: 'HTTPClient' }],
    ['HTTP boot x64, path configured', { arch: 16, isHttpClient: true }, { uefiHttp: '/boot/ipxe.efi' }, { kind: 'http', url: 'http://10.77.0.1:8080/boot/ipxe.efi', vendorClass: 'HTTPClient' }],
    ['HTTP boot x64, URL configured', { arch: 16, isHttpClient: true }, { uefiHttp: 'https://cdn.example/ipxe.efi' }, { kind: 'http', url: 'https://cdn.example/ipxe.efi', vendorClass: 'HTTPClient' }],
    ['HTTP boot IA32', { arch: 15, isHttpClient: true }, undefined, none('no iPXE build for 32-bit UEFI HTTP boot on this appliance')],
    ['HTTP boot arm64', { arch: 19, isHttpClient: true }, undefined, none('no iPXE build for arm64 UEFI HTTP boot on this appliance')],
    ['HTTP boot arm64, configured', { arch: 19, isHttpClient: true }, { byArch: { 19: 'ipxe/arm64.efi' } }, { kind: 'http', url: 'http://10.77.0.1:8080/ipxe/arm64.efi', vendorClass: 'HTTPClient' }],
    ['HTTPClient with a PXE arch', { arch: 7, isHttpClient: true }, undefined, none('vendor class HTTPClient does not match arch 7 (x64 UEFI)')],
    ['PXEClient with an HTTP arch', { arch: 16, isPxe: true }, undefined, none('vendor class PXEClient does not match arch 16 (x64 UEFI HTTP)')],
    ['BIOS HTTP boot (20)', { arch: 20, isHttpClient: true }, undefined, none('unsupported client arch 20 (x86 BIOS HTTP)')],
    ['unknown arch', { arch: 12, isPxe: true }, undefined, none('unsupported client arch 12')],
    ['rpiboot', { arch: 41, isPxe: true }, undefined, none('unsupported client arch 41 (ARM rpiboot)')],
  ];
  for (const [what, c, files, expected] of cases) {
    it(what, () => assert.deepEqual(decideBoot(client(c), files ? { ...CFG, files } : CFG), expected));
  }

  it('joins httpBase with a trailing slash cleanly', () => {
    const d = decideBoot(client({ arch: 16, isHttpClient: true }), { ...CFG, httpBase: 'http://10.77.0.1:8080/' });
    assert.deepEqual(d, { kind: 'http', url: 'http://10.77.0.1:8080/ipxe/snponly.efi', vendorClass: 'HTTPClient' });
  });
});
