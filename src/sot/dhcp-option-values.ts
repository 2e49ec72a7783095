// Validation of `dhcp_options` values in the SoT (Vaquero's option types). The DHCP encoder
// in src/dhcp turns the same values into bytes; this only says whether a value fits its type.
import { parseIpv4 } from '../lib/ip.js';

const INT_RANGES: Record<string, [number, number]> = {
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
};

/** A message when `value` cannot be sent as a DHCP option of `type`, else undefined. */
export function checkDhcpOptionValue(type: string, value: unknown): string | undefined {
  const range = INT_RANGES[type];
  if (range) {
    if (typeof value !== 'number' || !Number.isInteger(value)) return `value must be an integer for type ${type}`;
    if (value < range[0] || value > range[1]) return `value ${value} is out of range for ${type} (${range[0]}..${range[1]})`;
    return undefined;
  }
  switch (type) {
    case 'string':
      return typeof value === 'string' || typeof value === 'number' ? undefined : 'value must be a string';
    case 'bool':
      return typeof value === 'boolean' ? undefined : 'value must be true or false';
    case 'address':
      return typeof value === 'string' && parseIpv4(value) !== undefined ? undefined : 'value must be an IPv4 address';
    case 'addresses': {
      const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',').map((s) => s.trim()) : undefined;
      if (!list || list.length === 0) return 'value must be a list of IPv4 addresses';
      return list.every((a) => typeof a === 'string' && parseIpv4(a) !== undefined) ? undefined : 'value must be a list of IPv4 addresses';
    }
    case 'base64':
      return typeof value === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(value) && value.length % 4 === 0
        ? undefined
        : 'value must be base64 text';
    default:
      return `unknown option type ${type}`;
  }
}
