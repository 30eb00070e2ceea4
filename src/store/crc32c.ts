/**
 * crc32c — CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), slicing-by-8.
 *
 * Slicing-by-8 folds eight input bytes per step through eight 256-entry tables:
 *
 *   tables[k * 256 + b] = CRC of byte b followed by k zero bytes
 *   crc' = T7[c0] ^ T6[c1] ^ T5[c2] ^ T4[c3] ^ T3[b4] ^ T2[b5] ^ T1[b6] ^ T0[b7]
 *          where c0..c3 = bytes of (crc ^ first four input bytes)
 *
 * Node 20 has no CRC-32C of its own (zlib.crc32 is CRC-32, and only from Node 22).
 * Check value: crc32c("123456789") = 0xE3069283.
 */

const polynomial = 0x82f63b78;
const tables = buildTables();
const hostIsLittleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function buildTables(): Uint32Array {
  const result = new Uint32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let crc = b;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ polynomial : crc >>> 1;
    result[b] = crc >>> 0;
  }
  for (let b = 0; b < 256; b++) {
    for (let k = 1; k < 8; k++) {
      const previous = result[(k - 1) * 256 + b];
      result[k * 256 + b] = (previous >>> 8) ^ result[previous & 0xff];
    }
  }
  return result;
}

/**
 * crc32c — the CRC-32C of `bytes`; pass a previous result as `crc` to continue it, so that
 * crc32c(b, crc32c(a)) === crc32c(a ‖ b).
 */
export function crc32c(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  let index = 0;
  const length = bytes.length;
  const alignedStart = (4 - ((bytes.byteOffset + index) & 3)) & 3;
  for (; index < Math.min(alignedStart, length); index++) c = tables[(c ^ bytes[index]) & 0xff] ^ (c >>> 8);
  const wordCount = ((length - index) >>> 3) * 2;
  if (hostIsLittleEndian && wordCount > 0) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset + index, wordCount);
    c = foldWords(words, c);
    index += wordCount * 4;
  }
  for (; index < length; index++) c = tables[(c ^ bytes[index]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** foldWords — the hot loop: two little-endian u32 words (eight bytes) per step. */
function foldWords(words: Uint32Array, crcIn: number): number {
  const t = tables;
  let c = crcIn;
  for (let i = 0; i < words.length; i += 2) {
    const low = (c ^ words[i]) >>> 0;
    const high = words[i + 1];
    c =
      t[1792 + (low & 0xff)] ^
      t[1536 + ((low >>> 8) & 0xff)] ^
      t[1280 + ((low >>> 16) & 0xff)] ^
      t[1024 + (low >>> 24)] ^
      t[768 + (high & 0xff)] ^
      t[512 + ((high >>> 8) & 0xff)] ^
      t[256 + ((high >>> 16) & 0xff)] ^
      t[high >>> 24];
  }
  return c >>> 0;
}
