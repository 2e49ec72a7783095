// SoT option values: the validator's messages for bad values (table-driven), and option specs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkOptionSpec, checkOptionValue, encodeOptionValue, messageTypeName, type OptionValueType } from '../../src/dhcp/options.js';
import { toHex } from './support.js';

const BAD: [OptionValueType, unknown, string][] = [
  ['uint8', 256, 'uint8 value 256 out of range 0..255'],
  ['uint8', -1, 'uint8 value -1 out of range 0..255'],
  ['uint8', 1.5, 'uint8 value must be an integer, got 1.5'],
  ['uint8', '12abc', "uint8 value must be an integer, got '12abc'"],
  ['uint16', 65536, 'uint16 value 65536 out of range 0..65535'],
  ['uint32', 2 ** 32, 'uint32 value 4294967296 out of range 0..4294967295'],
  ['uint32', null, 'uint32 value must be an integer, got null'],
  ['int8', 128, 'int8 value 128 out of range -128..127'],
  ['int16', -32769, 'int16 value -32769 out of range -32768..32767'],
  ['int32', 2 ** 31, 'int32 value 2147483648 out of range -2147483648..2147483647'],
  ['string', 42, 'string value must be a string, got 42'],
  ['string', '', 'string value must not be empty'],
  ['string', 'x'.repeat(1300), 'string value is 1300 bytes, more than fits in a reply (1232)'],
  ['address', '10.0.0', "bad IPv4 address '10.0.0'"],
  ['address', '010.0.0.1', "bad IPv4 address '010.0.0.1'"],
  ['address', ['10.0.0.1'], 'address value must be a string, got ["10.0.0.1"]'],
  ['addresses', [], 'addresses value must not be empty'],
  ['addresses', ['10.0.0.1', 'dns.example'], "bad IPv4 address 'dns.example'"],
  ['addresses', { a: 1 }, 'addresses value must be a list of IPv4 addresses, got {"a":1}'],
  ['base64', 'not base64!', "base64 value must be a padded base64 string, got 'not base64!'"],
  ['base64', 'QUJD=', "base64 value must be a padded base64 string, got 'QUJD='"],
  ['bool', 'yes', "bool value must be true or false, got 'yes'"],
  ['bool', 1, 'bool value must be true or false, got 1'],
  ['nonsense' as OptionValueType, 1, "unknown option type 'nonsense'"],
];

describe('checkOptionValue', () => {
  for (const [type, value, message] of BAD) {
    it(`${type} ${JSON.stringify(value)?.slice(0, 30)} -> "${message}"`, () => {
      assert.equal(checkOptionValue(type, value), message);
      assert.throws(() => encodeOptionValue(type, value), { name: 'DhcpCodecError', message });
    });
  }

  it('never throws on odd JavaScript values, whatever the type', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const odd: unknown[] = [undefined, null, NaN, Infinity, 2n ** 70n, Symbol('x'), Object.create(null), circular, [[1]], [Symbol('y')], () => 1, new Date(0)];
    const types: OptionValueType[] = ['string', 'uint8', 'uint16', 'uint32', 'int8', 'int16', 'int32', 'address', 'addresses', 'base64', 'bool'];
    for (const type of types) {
      for (const v of odd) assert.equal(typeof checkOptionValue(type, v), 'string', `${type} ${String(typeof v)}`);
    }
    assert.equal(checkOptionValue('uint8', 10n), undefined); // YAML may hand out bigints
  });

  it('accepts good values of every type', () => {
    const good: [OptionValueType, unknown, string][] = [
      ['string', 'lab.example', '6c61622e6578616d706c65'],
      ['uint8', 7, '07'],
      ['uint16', 1472, '05c0'],
      ['uint32', 86400, '00015180'],
      ['int8', -2, 'fe'],
      ['int16', -2, 'fffe'],
      ['int32', -3600, 'fffff1f0'],
      ['address', ' 10.77.0.1 ', '0a4d0001'],
      ['addresses', ['10.77.0.1', '8.8.8.8'], '0a4d000108080808'],
      ['base64', 'AQID', '010203'],
      ['bool', false, '00'],
    ];
    for (const [type, value, hex] of good) {
      assert.equal(checkOptionValue(type, value), undefined, type);
      assert.equal(toHex(encodeOptionValue(type, value)), hex, type);
    }
  });
});

describe('checkOptionSpec', () => {
  const cases: [number, string | undefined][] = [
    [0, 'option code must be 1..254, got 0'],
    [255, 'option code must be 1..254, got 255'],
    [3.5, 'option code must be 1..254, got 3.5'],
    [53, 'option 53 is set by the DHCP server: DHCP message type'],
    [82, 'option 82 is set by the DHCP server: relay agent information (echoed from the relay, RFC 3046)'],
    [42, undefined],
  ];
  for (const [option, message] of cases) {
    it(`option ${option} -> ${message ?? 'ok'}`, () => {
      assert.equal(checkOptionSpec({ option, type: 'address', value: '10.0.0.1' }), message);
    });
  }

  it('checks the value after the code', () => {
    assert.equal(checkOptionSpec({ option: 42, type: 'address', value: 'ntp' }), "bad IPv4 address 'ntp'");
  });
});

describe('message types', () => {
  it('maps option 53 values 1..8 and nothing else', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8].map(messageTypeName), ['DISCOVER', 'OFFER', 'REQUEST', 'DECLINE', 'ACK', 'NAK', 'RELEASE', 'INFORM']);
    assert.equal(messageTypeName(0), undefined);
    assert.equal(messageTypeName(9), undefined);
  });
});
