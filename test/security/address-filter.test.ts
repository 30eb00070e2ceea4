/**
 * admin_allow entries: single addresses, ranges, IPv6, and the IPv4-mapped form sockets report.
 */
import { describe, expect, test } from 'vitest';
import type { AddressFilter } from '../../src/security/address-filter.js';
import { addressFilterOf, isLoopbackAddress, parseAddressEntry } from '../../src/security/address-filter.js';

const filterOf = (...texts: string[]): AddressFilter => addressFilterOf(texts);

describe('address filter', () => {
  test('addresses and ranges, in both IPv4 forms a socket reports', () => {
    const filter = filterOf('10.77.0.0/16', '192.168.1.7', 'fd00::/8');
    for (const inside of ['10.77.0.1', '10.77.255.254', '::ffff:10.77.3.4', '192.168.1.7', '::FFFF:192.168.1.7', 'fd12::1'])
      expect(filter.matches(inside)).toBe(true);
    for (const outside of ['10.78.0.1', '192.168.1.8', '127.0.0.1', '::1', 'fe80::1', '', 'nonsense', undefined]) expect(filter.matches(outside)).toBe(false);
  });

  test('loopback is 127.0.0.0/8 and ::1, mapped or not', () => {
    for (const address of ['127.0.0.1', '127.9.8.7', '::ffff:127.0.0.1', '::1']) expect(isLoopbackAddress(address)).toBe(true);
    for (const address of ['10.0.0.1', '::2', '128.0.0.1']) expect(isLoopbackAddress(address)).toBe(false);
    expect(filterOf('loopback').matches('127.0.0.5')).toBe(true);
  });

  test('bad entries say what is wrong', () => {
    expect(parseAddressEntry('10.0.0.0/33')).toMatch(/prefix must be 0..32/);
    expect(parseAddressEntry('fd00::/129')).toMatch(/0..128/);
    expect(parseAddressEntry('example.com')).toMatch(/not an IPv4 or IPv6 address/);
    expect(parseAddressEntry('10.0.0.0/x')).toMatch(/prefix/);
  });
});
