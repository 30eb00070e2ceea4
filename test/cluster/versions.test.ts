/**
 * Version increments: the floor, the u32 top, the 24-bit transition field.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { bumpTransitionVersion, bumpVersion, initialVersion, solitaryVersion } from '../../src/cluster/versions.js';

describe('bumpVersion', () => {
  test('the first increment of a fresh version lands on the floor, later ones add one', () => {
    expect(bumpVersion(initialVersion, 10)).toBe(10);
    expect(bumpVersion(10, 10)).toBe(11);
    expect(bumpVersion(11, 50)).toBe(50);
  });

  test('never produces the solitary value or goes backwards below the top', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_fffe }), fc.integer({ min: 10, max: 1000 }), (version, floor) => {
        const next = bumpVersion(version, floor);
        expect(next).not.toBe(solitaryVersion);
        expect(next).toBeGreaterThan(version < floor ? floor - 1 : version);
      }),
    );
  });

  test('past the u32 top it starts again at the floor', () => {
    expect(bumpVersion(0xffff_ffff, 10)).toBe(10);
  });
});

describe('bumpTransitionVersion', () => {
  test('restarts from 0 at 2^23, then takes the floor, and always fits 24 bits', () => {
    expect(bumpTransitionVersion(0, 10)).toBe(10);
    expect(bumpTransitionVersion(2 ** 23, 10)).toBe(10);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 24 - 1 }), (version) => {
        expect(bumpTransitionVersion(version, 10)).toBeLessThanOrEqual(2 ** 23);
      }),
    );
  });
});
