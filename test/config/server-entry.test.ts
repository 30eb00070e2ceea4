import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { rackOfServerId, serverIdFromAddress } from '../../src/common/server-id.js';
import { parseServerEntry, rackFromPosMask } from '../../src/config/server-entry.js';

describe('server entries', () => {
  test('ip[:port][@rack][*weight] parts', () => {
    expect(parseServerEntry('10.0.0.7:5191@rack-a*2', 5191)).toEqual({
      ok: true,
      entry: { address: { ip: '10.0.0.7', port: 5191 }, rack: 'rack-a', weight: 2 },
    });
    expect(parseServerEntry('10.0.0.7', 6000)).toEqual({
      ok: true,
      entry: { address: { ip: '10.0.0.7', port: 6000 }, rack: null, weight: 1 },
    });
  });

  test('the pos-mask rack reads as the masked dotted address', () => {
    const id = serverIdFromAddress({ ip: '10.1.2.3', port: 5191 });
    expect(rackFromPosMask(id, 0xffffn)).toBe('10.1');
    expect(rackFromPosMask(id, 0xffffffn)).toBe('10.1.2');
    expect(rackFromPosMask(id, 0xff00ffn)).toBe('10.0.2');
    expect(rackFromPosMask(id, 0xffffffffn)).toBe('10.1.2.3');
  });

  test('two servers share a pos-mask rack exactly when the original gives them the same pos', () => {
    const ip = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
    fc.assert(
      fc.property(ip, ip, fc.integer({ min: 1, max: 0xffffffff }), (a, b, mask) => {
        const idA = serverIdFromAddress({ ip: a, port: 5191 });
        const idB = serverIdFromAddress({ ip: b, port: 5192 });
        const samePos = rackOfServerId(idA, BigInt(mask)) === rackOfServerId(idB, BigInt(mask));
        expect(rackFromPosMask(idA, BigInt(mask)) === rackFromPosMask(idB, BigInt(mask))).toBe(samePos);
      }),
    );
  });
});
