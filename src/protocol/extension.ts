/**
 * extension — our trailer after the original body of heartbeat (9/104) and get_group
 * (1002/1102) packets. Only our own client and agent send it, and a server answers with a
 * trailer only when the request had one, so original peers never see a byte they do not know.
 *
 *   offset  type  field
 *   0       u32   magic 0x54435358 ("TCSX")
 *   4       u16   version (1, or 2 when version-2 fields follow)
 *   6       u16   flags (unknown bits are ignored)
 *   8       u32   fieldBytes: the bytes that follow, to the end of the body
 *   12      ...   fields; version 1:
 *                   request  (8 bytes): epoch u64 — the highest config-server epoch the sender knows
 *                   response (9 bytes): epoch u64 — the answering server's epoch
 *                                       role u8  — 1 primary, 2 secondary
 *                 version 2 appends (only between peers that both speak it):
 *                   request  (4 bytes): heldClientVersion u32 — client version of what the sender holds
 *                   response (17 + n):  kind u8 (1 view, 2 view changes, 3 whole table, 4 table changes),
 *                                       baseServerVersion u32, baseClientVersion u32 (what changes apply to),
 *                                       checksum u32 (of the result, view-checksum.ts),
 *                                       n u32, n bytes: the rows block (view-rows.ts; empty for kind 3)
 *   flags, request: bit 0 largeTableAccepted — the sender takes table blobs over the original limit
 *                   bit 1 otherReported — bit 2 says whether the sender reaches the *other* config
 *                   server of the pair (a heartbeat to X reports on X's peer; docs/pair.md)
 *                   bit 2 otherUnreachable
 *                   bit 3 viewWanted — send views and changes (version 2 content) instead of whole tables
 *                   bit 4 freshWanted — what the sender holds is unusable: send it whole, not changes
 *
 * A later version may append fields after the ones it knows; an older reader skips them.
 * The trailer must end the body exactly (fieldBytes covers everything after it).
 */
import { InputError } from '../errors.js';
import type { BodyReader } from './reader.js';
import type { BodyWriter } from './writer.js';

/** extensionMagic — "TCSX", the first four bytes of our trailer. */
export const extensionMagic = 0x54435358;
/** extensionVersion — the trailer version this code writes when it has version-2 fields (else 1). */
export const extensionVersion = 2;
/** extensionHeaderBytes — magic, version, flags and fieldBytes. */
export const extensionHeaderBytes = 12;

const requestFieldBytesV1 = 8;
const responseFieldBytesV1 = 9;
const requestFieldBytesV2 = requestFieldBytesV1 + 4;
const responseFieldBytesV2 = responseFieldBytesV1 + 17;
const largeTableAcceptedFlag = 0x1;
const otherReportedFlag = 0x2;
const otherUnreachableFlag = 0x4;
const viewWantedFlag = 0x8;
const freshWantedFlag = 0x10;

/** ViewRequest — version 2: what the sender holds, so the answer can be only what changed. */
export interface ViewRequest {
  /** heldClientVersion — client version of the view or table the sender holds (0 = nothing). */
  heldClientVersion: number;
  /** fresh — what it holds is unusable (none, or it failed its checksum): send it whole. */
  fresh: boolean;
}

/** ViewContentKind — what a version-2 answer carries. */
export type ViewContentKind = 'view' | 'viewChanges' | 'table' | 'tableChanges';

/**
 * ViewContent — version 2: a data server's own view (or the changes to it), or a client's table
 * changes; for `table` the whole table is in the original blob field and only its checksum is here.
 */
export interface ViewContent {
  kind: ViewContentKind;
  /** baseServerVersion / baseClientVersion — the versions the changes apply to (0 unless a changes kind). */
  baseServerVersion: number;
  baseClientVersion: number;
  /** checksum — of the whole view or table once this content is applied (view-checksum.ts). */
  checksum: number;
  /** rows — the rows block (view-rows.ts); empty for `table`. */
  rows: Uint8Array;
}

const contentKindCodes: Record<ViewContentKind, number> = { view: 1, viewChanges: 2, table: 3, tableChanges: 4 };
const contentKinds: readonly (ViewContentKind | undefined)[] = [undefined, 'view', 'viewChanges', 'table', 'tableChanges'];

/** RequestExtension — what our client or agent tells a server beyond the original request. */
export interface RequestExtension {
  /** epoch — the highest config-server-pair epoch the sender has seen (0 = none yet). */
  epoch: bigint;
  /** largeTableAccepted — the reply may carry a table blob over originalTableBlobBytesMax. */
  largeTableAccepted: boolean;
  /** otherConfigServer — a data server's report on the pair's other config server (absent: no report). */
  otherConfigServer?: 'reachable' | 'unreachable';
  /** view — version 2: answer with views and changes (absent: whole tables, as version 1). */
  view?: ViewRequest;
}

/** ConfigServerRole — a config server's role in the pair (the original's master/slave). */
export type ConfigServerRole = 'primary' | 'secondary';

/** ResponseExtension — what a server tells our client or agent beyond the original reply. */
export interface ResponseExtension {
  /** epoch — the answering server's epoch; a client ignores replies from a lower epoch. */
  epoch: bigint;
  role: ConfigServerRole;
  /** content — version 2: view or table content (only in answers to requests that asked for views). */
  content?: ViewContent;
}

const roleCodes: Record<ConfigServerRole, number> = { primary: 1, secondary: 2 };

/** writeRequestExtension — append the request trailer. */
export function writeRequestExtension(writer: BodyWriter, extension: RequestExtension): void {
  let flags = extension.largeTableAccepted ? largeTableAcceptedFlag : 0;
  if (extension.otherConfigServer !== undefined) flags |= otherReportedFlag;
  if (extension.otherConfigServer === 'unreachable') flags |= otherUnreachableFlag;
  const view = extension.view;
  if (view) flags |= viewWantedFlag | (view.fresh ? freshWantedFlag : 0);
  writeHeader(writer, view ? 2 : 1, flags, view ? requestFieldBytesV2 : requestFieldBytesV1);
  writer.u64(extension.epoch, 'extension.epoch');
  if (view) writer.u32(view.heldClientVersion, 'extension.heldClientVersion');
}

/** writeResponseExtension — append the response trailer. */
export function writeResponseExtension(writer: BodyWriter, extension: ResponseExtension): void {
  const roleCode = roleCodes[extension.role];
  if (roleCode === undefined) throw new InputError(`extension.role: unknown role '${extension.role}'`);
  const content = extension.content;
  writeHeader(writer, content ? 2 : 1, 0, content ? responseFieldBytesV2 + content.rows.length : responseFieldBytesV1);
  writer.u64(extension.epoch, 'extension.epoch');
  writer.u8(roleCode, 'extension.role');
  if (!content) return;
  const kindCode = contentKindCodes[content.kind];
  if (kindCode === undefined) throw new InputError(`extension.content.kind: unknown kind '${content.kind}'`);
  writer.u8(kindCode, 'extension.content.kind');
  writer.u32(content.baseServerVersion, 'extension.content.baseServerVersion');
  writer.u32(content.baseClientVersion, 'extension.content.baseClientVersion');
  writer.u32(content.checksum, 'extension.content.checksum');
  writer.lengthPrefixedBytes(content.rows, 'extension.content.rows');
}

/** readRequestExtension — the request trailer if bytes are left, else undefined; ends the body. */
export function readRequestExtension(reader: BodyReader): RequestExtension | undefined {
  if (reader.remainingBytes === 0) return undefined;
  const { version, flags, fieldBytes } = readHeader(reader, requestFieldBytesV1);
  const epoch = reader.u64('extension.epoch');
  const extension: RequestExtension = { epoch, largeTableAccepted: (flags & largeTableAcceptedFlag) !== 0 };
  if ((flags & otherReportedFlag) !== 0) extension.otherConfigServer = (flags & otherUnreachableFlag) !== 0 ? 'unreachable' : 'reachable';
  let known = requestFieldBytesV1;
  if (version >= 2) {
    if (fieldBytes < requestFieldBytesV2) reader.fail(`extension.fieldBytes: ${fieldBytes} is under ${requestFieldBytesV2} for version ${version}`);
    const heldClientVersion = reader.u32('extension.heldClientVersion');
    if ((flags & viewWantedFlag) !== 0) extension.view = { heldClientVersion, fresh: (flags & freshWantedFlag) !== 0 };
    known = requestFieldBytesV2;
  }
  reader.bytes(fieldBytes - known, 'extension (newer fields)');
  return extension;
}

/** readResponseExtension — the response trailer if bytes are left, else undefined; ends the body. */
export function readResponseExtension(reader: BodyReader): ResponseExtension | undefined {
  if (reader.remainingBytes === 0) return undefined;
  const { version, fieldBytes } = readHeader(reader, responseFieldBytesV1);
  const epoch = reader.u64('extension.epoch');
  const roleCode = reader.u8('extension.role');
  const role = roleCode === 1 ? 'primary' : roleCode === 2 ? 'secondary' : null;
  if (role === null) reader.fail(`extension.role: unknown role code ${roleCode}`);
  const extension: ResponseExtension = { epoch, role };
  let known = responseFieldBytesV1;
  if (version >= 2 && fieldBytes > responseFieldBytesV1) {
    extension.content = readContent(reader);
    known = fieldBytes - reader.remainingBytes;
  }
  reader.bytes(fieldBytes - known, 'extension (newer fields)');
  return extension;
}

function readContent(reader: BodyReader): ViewContent {
  const kindCode = reader.u8('extension.content.kind');
  const kind = contentKinds[kindCode];
  if (kind === undefined) reader.fail(`extension.content.kind: unknown kind code ${kindCode}`);
  const baseServerVersion = reader.u32('extension.content.baseServerVersion');
  const baseClientVersion = reader.u32('extension.content.baseClientVersion');
  const checksum = reader.u32('extension.content.checksum');
  const rows = reader.lengthPrefixedBytes('extension.content.rows');
  return { kind, baseServerVersion, baseClientVersion, checksum, rows };
}

function writeHeader(writer: BodyWriter, version: number, flags: number, fieldBytes: number): void {
  writer.u32(extensionMagic, 'extension.magic');
  writer.u16(version, 'extension.version');
  writer.u16(flags, 'extension.flags');
  writer.u32(fieldBytes, 'extension.fieldBytes');
}

function readHeader(reader: BodyReader, fieldBytesMin: number): { version: number; flags: number; fieldBytes: number } {
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
  return { version, flags, fieldBytes };
}
