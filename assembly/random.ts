/**
 * random — a seeded generator (splitmix32 steps); the engine has no other randomness.
 */

let state: u32 = 0;

/** randomSeed — restart the sequence from a seed. */
export function randomSeed(seed: u32): void {
  state = seed ^ 0x9e3779b9;
}

/** randomNext — the next 32 random bits. */
export function randomNext(): u32 {
  state += 0x9e3779b9;
  let z = state;
  z = (z ^ (z >>> 16)) * 0x85ebca6b;
  z = (z ^ (z >>> 13)) * 0xc2b2ae35;
  return z ^ (z >>> 16);
}

/** randomBelow — a value in [0, bound) (bound ≥ 1); multiply-shift, bias below 2^-32·bound. */
export function randomBelow(bound: u32): u32 {
  return <u32>((<u64>randomNext() * <u64>bound) >>> 32);
}

/** hashUnit — a deterministic value in [0, 1) from a seed and a key, no state. */
export function hashUnit(seed: u32, key: u32): f64 {
  let z = seed ^ (key * 0x9e3779b9);
  z = (z ^ (z >>> 16)) * 0x85ebca6b;
  z = (z ^ (z >>> 13)) * 0xc2b2ae35;
  z ^= z >>> 16;
  return <f64>z / 4294967296.0;
}
