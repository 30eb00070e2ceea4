/**
 * extension — our trailer after the original body of heartbeat (9/104) and get_group
 * (1002/1102) packets. Only our own client and agent send it, and a server answers with a
 * trailer only when the request had one, so original peers never see a byte they do not know.
 *
 *   offset  type  field
 *   0       u32   magic 0x54435358 ("TCSX")
 *   4       u16   version (we write 1)
 *   6       u16   flags (unknown bits are ignored)
 *   8       u32   fieldBytes: the bytes that follow, to the end of the body
 *   12      ...   fields; version 1:
 *                   request  (8 bytes): epoch u64 — the highest config-server epoch the sender knows
 *                   response (9 bytes): epoch u64 — the answering server's epoch
 *                                       role u8  — 1 primary, 2 secondary
 *   flags, request: bit 0 largeTableAccepted — the sender takes table blobs over the original limit
 *                   bit 1 otherReported — bit 2 says whether the sender reaches the *other* config
 *                   server of the pair (a heartbeat to X reports on X's peer; docs/pair.md)
 *                   bit 2 otherUnreachable
 *
 * A later version may append fields after the version-1 ones; a version-1 reader skips them.
 * The trailer must end the body exactly (fieldBytes covers everything after it).
 */
import { InputError } from '../errors.js';
import type { BodyReader } from './reader.js';
import type { BodyWriter } from './writer.js';

/** extensionMagic — "TCSX", the first four bytes of our trailer. */
export const extensionMagic = 0x54435358;
/** extensionVersion — the trailer version this code writes. */
export const extensionVersion = 1;
/** extensionHeaderBytes — magic, version, flags and fieldBytes. */
export const extensionHeaderBytes = 12;

const requestFieldBytesV1 = 8;
const responseFieldBytesV1 = 9;
const largeTableAcceptedFlag = 0x1;
const otherReportedFlag = 0x2;
const otherUnreachableFlag = 0x4;

/** RequestExtension — what our client or agent tells a server beyond the original request. */
export interface RequestExtension {
  /** epoch — the highest config-server-pair epoch the sender has seen (0 = none yet). */
  epoch: bigint;
  /** largeTableAccepted — the reply may carry a table blob over originalTableBlobBytesMax. */
  largeTableAccepted: boolean;
  /** otherConfigServer — a data server's report on the pair's other config server (absent: no report). */
  otherConfigServer?: 'reachable' | 'unreachable';
}

/** ConfigServerRole — a config server's role in the pair (the original's master/slave). */
export type ConfigServerRole = 'primary' | 'secondary';

/** ResponseExtension — what a server tells our client or agent beyond the original reply. */
export interface ResponseExtension {
  /** epoch — the answering server's epoch; a client ignores replies from a lower epoch. */
  epoch: bigint;
  role: ConfigServerRole;
}

const roleCodes: Record<ConfigServerRole, number> = { primary: 1, secondary: 2 };

/** writeRequestExtension — append the request trailer. */
export function writeRequestExtension(writer: BodyWriter, extension: RequestExtension): void {
  let flags = extension.largeTableAccepted ? largeTableAcceptedFlag : 0;
  if (extension.otherConfigServer !== undefined) flags |= otherReportedFlag;
  if (extension.otherConfigServer === 'unreachable') flags |= otherUnreachableFlag;
  writeHeader(writer, flags, requestFieldBytesV1);
  writer.u64(extension.epoch, 'extension.epoch');
}

/** writeResponseExtension — append the response trailer. */
export function writeResponseExtension(writer: BodyWriter, extension: ResponseExtension): void {
  const roleCode = roleCodes[extension.role];
  if (roleCode === undefined) throw new InputError(`extension.role: unknown role '${extension.role}'`);
  writeHeader(writer, 0, responseFieldBytesV1);
  writer.u64(extension.epoch, 'extension.epoch');
  writer.u8(roleCode, 'extension.role');
}

/** readRequestExtension — the request trailer if bytes are left, else undefined; ends the body. */
export function readRequestExtension(reader: BodyReader): RequestExtension | undefined {
  if (reader.remainingBytes === 0) return undefined;
  const { flags, fieldBytes } = readHeader(reader, requestFieldBytesV1);
  const epoch = reader.u64('extension.epoch');
  reader.bytes(fieldBytes - requestFieldBytesV1, 'extension (newer fields)');
  const extension: RequestExtension = { epoch, largeTableAccepted: (flags & largeTableAcceptedFlag) !== 0 };
  if ((flags & otherReportedFlag) !== 0) extension.otherConfigServer = (flags & otherUnreachableFlag) !== 0 ? 'unreachable' : 'reachable';
  return extension;
}

/** readResponseExtension — the response trailer if bytes are left, else undefined; ends the body. */
export function readResponseExtension(reader: BodyReader): ResponseExtension | undefined {
  if (reader.remainingBytes === 0) return undefined;
  const { fieldBytes } = readHeader(reader, responseFieldBytesV1);
  const epoch = reader.u64('extension.epoch');
  const roleCode = reader.u8('extension.role');
  const role = roleCode === 1 ? 'primary' : roleCode === 2 ? 'secondary' : null;
  if (role === null) reader.fail(`extension.role: unknown role code ${roleCode}`);
  reader.bytes(fieldBytes - responseFieldBytesV1, 'extension (newer fields)');
  return { epoch, role };
}

function writeHeader(writer: BodyWriter, flags: number, fieldBytes: number): void {
  writer.u32(extensionMagic, 'extension.magic');
  writer.u16(extensionVersion, 'extension.version');
  writer.u16(flags, 'extension.flags');
  writer.u32(fieldBytes, 'extension.fieldBytes');
}

function readHeader(reader: BodyReader, fieldBytesMin: number): { flags: number; fieldBytes: number } {
  if (reader.remainingBytes < extensionHeaderBytes) reader.fail(`${reader.remainingBytes} trailing bytes`);
  const magic = reader.u32('extension.magic');
  if (magic !== extensionMagic) reader.fail(`trailing bytes (no extension magic, found 0x${magic.toString(16)})`);
  const version = reader.u16('extension.version');
  if (version < 1) reader.fail(`extension.version: ${version} is not a version`);
  const flags = reader.u16('extension.flags');
  const fieldBytes = reader.u32('extension.fieldBytes');
  if (fieldBytes !== reader.remainingBytes) {
    reader.fail(`extension.fieldBytes: ${fieldBytes} but ${reader.remainingBytes} bytes are left`);
  }
  if (fieldBytes < fieldBytesMin) reader.fail(`extension.fieldBytes: ${fieldBytes} is under ${fieldBytesMin}`);
  return { flags, fieldBytes };
}
