/**
 * table-blob — server tables as they travel in heartbeat and get_group replies.
 *
 *   blob = zlib (RFC 1950) of the raw little-endian u64 array, copy-major:
 *     client view        table[copyIndex * bucketCount + bucketIndex]            C·B entries
 *     data-server view   current table ‖ destination table                       2·C·B entries
 *   an all-zero table (nothing built yet) travels as the empty blob (length 0)
 *
 * Inflating is bounded: the output may not exceed the size the caller expects, and anything
 * that is not exactly that size is refused. Node's zlib output differs byte-wise from the
 * original's (both valid), so tables are compared after inflating, never as blobs.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { endianness } from 'node:os';
import { ProtocolError, InputError } from '../errors.js';
import { originalTableBlobBytesMax, tableInflateBytesMax } from '../limits.js';

const hostIsLittleEndian = endianness() === 'LE';

/** compressTable — the blob for a table of server ids; empty when every slot is 0. */
export function compressTable(serverIds: BigUint64Array): Buffer {
  if (isAllZero(serverIds)) return Buffer.alloc(0);
  const raw = Buffer.from(serverIds.buffer, serverIds.byteOffset, serverIds.byteLength);
  return deflateSync(hostIsLittleEndian ? raw : Buffer.from(raw).swap64());
}

/**
 * inflateTable — the server ids in a blob that must hold exactly `slotCount` entries
 * (C·B for a client view, 2·C·B for a data-server view). The empty blob is the all-zero table.
 * Throws ProtocolError for a corrupt blob, a blob of another size, or a slot count over the limit.
 */
export function inflateTable(blob: Uint8Array, slotCount: number): BigUint64Array {
  const expectedBytes = slotCount * 8;
  if (!Number.isSafeInteger(slotCount) || slotCount < 0 || expectedBytes > tableInflateBytesMax) {
    throw new ProtocolError(`table: ${slotCount} slots is outside 0..${tableInflateBytesMax / 8}`);
  }
  if (blob.length === 0) return new BigUint64Array(slotCount);
  if (slotCount === 0) throw new ProtocolError('table: a blob for a table of 0 slots');
  let raw: Buffer;
  try {
    raw = inflateSync(blob, { maxOutputLength: expectedBytes });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ProtocolError(`table: blob does not inflate to ${expectedBytes} bytes (${reason})`);
  }
  if (raw.length !== expectedBytes) {
    throw new ProtocolError(`table: blob inflates to ${raw.length} bytes, expected ${expectedBytes}`);
  }
  if (!hostIsLittleEndian) raw.swap64();
  if (raw.byteOffset % 8 === 0) return new BigUint64Array(raw.buffer, raw.byteOffset, slotCount);
  const serverIds = new BigUint64Array(slotCount);
  new Uint8Array(serverIds.buffer).set(raw);
  return serverIds;
}

/** tableBlobFitsOriginalPeer — whether an original Tair peer accepts this blob (≤ 1,000,000 bytes). */
export function tableBlobFitsOriginalPeer(blob: Uint8Array): boolean {
  return blob.length <= originalTableBlobBytesMax;
}

/**
 * dataServerView — current ‖ destination as one array, the layout a data server's blob holds.
 * Both tables must have the same length.
 */
export function dataServerView(current: BigUint64Array, destination: BigUint64Array): BigUint64Array {
  if (current.length !== destination.length) {
    throw new InputError(`table: current has ${current.length} slots, destination ${destination.length}`);
  }
  const view = new BigUint64Array(current.length * 2);
  view.set(current, 0);
  view.set(destination, current.length);
  return view;
}

function isAllZero(serverIds: BigUint64Array): boolean {
  // Scan as u32 words: far cheaper than comparing bigints one by one.
  const words = new Uint32Array(serverIds.buffer, serverIds.byteOffset, serverIds.length * 2);
  for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
  return true;
}
