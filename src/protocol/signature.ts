/**
 * signature — our signed-request trailer: an HMAC-SHA256 over a request, appended after its body
 * by our admin CLI and by the config-server pair when `admin_secret` is set (docs/protocol.md §6).
 *
 *   offset  type   field                              (big-endian, 56 bytes, the body's last bytes)
 *   0       u32    magic 0x54435347 ("TCSG")
 *   4       u16    version (1)
 *   6       u16    flags (none defined; written 0)
 *   8       u64    timeMs — the signer's wall clock, ms since 1970
 *   16      u64    nonce — random, never reused by the signer
 *   24      32 B   mac = HMAC-SHA256(secret, "tair-cs-sig/1" ‖ pcode i32 ‖ trailer bytes 0..23 ‖ body)
 *
 * Only requests that are not heartbeat or get_group carry it (those two have their own
 * extension trailer, extension.ts). The receiver checks the MAC, that timeMs is within
 * signatureWindowMs of its own clock, and that it has not seen the nonce (replay-guard.ts).
 * The trailer has its own magic and sits at a fixed distance from the end, so it never mixes
 * with another trailer's fields.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ProtocolError } from '../errors.js';

/** signatureMagic — "TCSG", the first four bytes of the trailer. */
export const signatureMagic = 0x54435347;
/** signatureTrailerBytes — the trailer's fixed size. */
export const signatureTrailerBytes = 56;

const signatureVersion = 1;
const macBytes = 32;
const macOffset = 24;
const domain = Buffer.from('tair-cs-sig/1');

/** SignatureTrailer — a decoded trailer. */
export interface SignatureTrailer {
  timeMs: number;
  nonce: bigint;
  /** header — the trailer's first 24 bytes (magic to nonce), covered by the MAC. */
  header: Buffer;
  mac: Buffer;
}

/** SignedBody — a body split into the request's own bytes and its trailer (null: unsigned). */
export interface SignedBody {
  body: Buffer;
  signature: SignatureTrailer | null;
}

/** signBody — `body` followed by its trailer, signed with `secret` at `timeMs`. */
export function signBody(pcode: number, body: Buffer, secret: Buffer, timeMs: number, nonce: bigint = randomNonce()): Buffer {
  const signed = Buffer.alloc(body.length + signatureTrailerBytes);
  body.copy(signed, 0);
  const trailer = signed.subarray(body.length);
  trailer.writeUInt32BE(signatureMagic, 0);
  trailer.writeUInt16BE(signatureVersion, 4);
  trailer.writeUInt16BE(0, 6);
  trailer.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(timeMs))), 8);
  trailer.writeBigUInt64BE(nonce, 16);
  macOf(secret, pcode, trailer.subarray(0, macOffset), body).copy(trailer, macOffset);
  return signed;
}

/**
 * splitSignature — the request bytes and the trailer, when the body ends with one. A body whose
 * last 56 bytes start with the magic but are not a version-1 trailer is a ProtocolError.
 */
export function splitSignature(body: Buffer): SignedBody {
  const start = body.length - signatureTrailerBytes;
  if (start < 0 || body.readUInt32BE(start) !== signatureMagic) return { body, signature: null };
  const version = body.readUInt16BE(start + 4);
  if (version !== signatureVersion) throw new ProtocolError(`signature trailer: version ${version}, only ${signatureVersion} is known`);
  const timeMs = body.readBigUInt64BE(start + 8);
  return {
    body: body.subarray(0, start),
    signature: {
      timeMs: timeMs > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(timeMs),
      nonce: body.readBigUInt64BE(start + 16),
      header: body.subarray(start, start + macOffset),
      mac: body.subarray(start + macOffset, start + macOffset + macBytes),
    },
  };
}

/** signatureMatches — whether the trailer's MAC is the one `secret` gives for this request (constant time). */
export function signatureMatches(pcode: number, body: Buffer, signature: SignatureTrailer, secret: Buffer): boolean {
  return timingSafeEqual(macOf(secret, pcode, signature.header, body), signature.mac);
}

/** randomNonce — 64 random bits. */
export function randomNonce(): bigint {
  return randomBytes(8).readBigUInt64BE(0);
}

function macOf(secret: Buffer, pcode: number, header: Buffer, body: Buffer): Buffer {
  const code = Buffer.alloc(4);
  code.writeInt32BE(pcode | 0, 0);
  return createHmac('sha256', secret).update(domain).update(code).update(header).update(body).digest();
}
