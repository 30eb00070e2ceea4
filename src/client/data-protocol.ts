/**
 * data-protocol — what clients and reference data servers say to each other (docs/data-protocol.md).
 * Same tbnet frames as the config-server protocol, our own pcodes from 5000 (Tair's CS protocol
 * uses none of them), big-endian bodies. `bytes` = u32 length then the raw bytes.
 *
 *   client → data server                          data server → data server
 *   5001 put     key bytes · value bytes          5010 replicate      bucket u32 · op u8 · key · value
 *   5002 get     key bytes                        5011 migrate begin  bucket u32 · server_version u32
 *   5003 remove  key bytes                        5012 migrate batch  bucket u32 · n u32 · n × (key · value)
 *                                                 5013 migrate end    bucket u32 · entry_count u32
 *   every reply: 5100 data return  config_version u32 · code i32 · value bytes (empty unless a get hit)
 *
 * `config_version` in a reply is the client version the data server holds, as in Tair's replies:
 * a client whose table has another version refreshes it.
 */
import { ProtocolError } from '../errors.js';
import { dataKeyBytesMax, dataValueBytesMax } from '../limits.js';
import { BodyReader, BodyWriter, type Frame } from '../protocol/index.js';

/** DataPcode — the packet codes of the data protocol. */
export const DataPcode = {
  put: 5001,
  get: 5002,
  remove: 5003,
  replicate: 5010,
  migrateBegin: 5011,
  migrateBatch: 5012,
  migrateEnd: 5013,
  dataReturn: 5100,
} as const;

/** DataCode — the `code` of a data return. */
export const DataCode = {
  ok: 0,
  /** notFound — get or remove of a key the bucket does not hold. */
  notFound: 1,
  /** wrongServer — this server is not the master (writes) or a holder (reads) of the key's bucket: refresh the table. */
  wrongServer: 2,
  /** notServing — no table yet, or solitary: try another copy, refresh later. */
  notServing: 3,
  /** replicaFailed — the master applied a write but a copy did not confirm it; the outcome is unknown. */
  replicaFailed: 4,
  /** invalid — the request broke a limit (key or value too long). */
  invalid: 5,
} as const;

/** DataCode — the numeric type of one of the codes above. */
export type DataCode = (typeof DataCode)[keyof typeof DataCode];

/** KeyValueBytes — one stored entry. */
export interface KeyValueBytes {
  key: Buffer;
  value: Buffer;
}

/** DataRequest — any request of the data protocol. */
export type DataRequest =
  | { pcode: typeof DataPcode.put; key: Buffer; value: Buffer }
  | { pcode: typeof DataPcode.get; key: Buffer }
  | { pcode: typeof DataPcode.remove; key: Buffer }
  | { pcode: typeof DataPcode.replicate; bucketIndex: number; op: 'put' | 'remove'; key: Buffer; value: Buffer }
  | { pcode: typeof DataPcode.migrateBegin; bucketIndex: number; serverVersion: number }
  | { pcode: typeof DataPcode.migrateBatch; bucketIndex: number; entries: KeyValueBytes[] }
  | { pcode: typeof DataPcode.migrateEnd; bucketIndex: number; entryCount: number };

/** DataReply — the data return (5100). */
export interface DataReply {
  configVersion: number;
  code: number;
  value: Buffer;
}

const replicateOps = { put: 1, remove: 2 } as const;
const emptyBytes = Buffer.alloc(0);

const requestPcodes: ReadonlySet<number> = new Set(Object.values(DataPcode).filter((pcode) => pcode !== DataPcode.dataReturn));

/** isDataRequestPcode — whether a frame is a data-protocol request. */
export function isDataRequestPcode(pcode: number): boolean {
  return requestPcodes.has(pcode);
}

/** encodeDataRequest — the whole frame of a request on channel `channelId`. */
export function encodeDataRequest(channelId: number, request: DataRequest): Buffer {
  const writer = new BodyWriter(requestBytesHint(request));
  switch (request.pcode) {
    case DataPcode.put:
      writeBytes(writer, request.key, 'key');
      writeBytes(writer, request.value, 'value');
      break;
    case DataPcode.get:
    case DataPcode.remove:
      writeBytes(writer, request.key, 'key');
      break;
    case DataPcode.replicate:
      writer.u32(request.bucketIndex, 'bucket');
      writer.u8(replicateOps[request.op], 'op');
      writeBytes(writer, request.key, 'key');
      writeBytes(writer, request.value, 'value');
      break;
    case DataPcode.migrateBegin:
      writer.u32(request.bucketIndex, 'bucket');
      writer.u32(request.serverVersion, 'server_version');
      break;
    case DataPcode.migrateBatch:
      writer.u32(request.bucketIndex, 'bucket');
      writer.u32(request.entries.length, 'entries');
      for (const entry of request.entries) {
        writeBytes(writer, entry.key, 'key');
        writeBytes(writer, entry.value, 'value');
      }
      break;
    case DataPcode.migrateEnd:
      writer.u32(request.bucketIndex, 'bucket');
      writer.u32(request.entryCount, 'entry_count');
      break;
  }
  return writer.toFrame(channelId, request.pcode);
}

/** decodeDataRequest — a request frame; throws ProtocolError for an unknown pcode or a bad body. */
export function decodeDataRequest(frame: Frame): DataRequest {
  const reader = new BodyReader(frame.body, `data pcode ${frame.pcode}`);
  const request = readRequest(reader, frame.pcode);
  reader.expectEnd();
  return request;
}

function readRequest(reader: BodyReader, pcode: number): DataRequest {
  switch (pcode) {
    case DataPcode.put:
      return { pcode, key: readKey(reader), value: readValue(reader) };
    case DataPcode.get:
    case DataPcode.remove:
      return { pcode, key: readKey(reader) };
    case DataPcode.replicate: {
      const bucketIndex = reader.u32('bucket');
      const opCode = reader.u8('op');
      if (opCode !== replicateOps.put && opCode !== replicateOps.remove) reader.fail(`op: unknown op ${opCode}`);
      const op = opCode === replicateOps.put ? 'put' : 'remove';
      return { pcode, bucketIndex, op, key: readKey(reader), value: readValue(reader) };
    }
    case DataPcode.migrateBegin:
      return { pcode, bucketIndex: reader.u32('bucket'), serverVersion: reader.u32('server_version') };
    case DataPcode.migrateBatch: {
      const bucketIndex = reader.u32('bucket');
      const entryCount = reader.count('entries', 8);
      const entries = new Array<KeyValueBytes>(entryCount);
      for (let i = 0; i < entryCount; i++) entries[i] = { key: readKey(reader), value: readValue(reader) };
      return { pcode, bucketIndex, entries };
    }
    case DataPcode.migrateEnd:
      return { pcode, bucketIndex: reader.u32('bucket'), entryCount: reader.u32('entry_count') };
    default:
      throw new ProtocolError(`data pcode ${pcode} is not a data request`);
  }
}

/** encodeDataReply — the whole frame of a data return echoing `channelId`. */
export function encodeDataReply(channelId: number, reply: DataReply): Buffer {
  const writer = new BodyWriter(16 + reply.value.length);
  writer.u32(reply.configVersion, 'config_version');
  writer.i32(reply.code, 'code');
  writeBytes(writer, reply.value, 'value');
  return writer.toFrame(channelId, DataPcode.dataReturn);
}

/** decodeDataReply — a data return frame; throws ProtocolError for anything else. */
export function decodeDataReply(frame: Frame): DataReply {
  if (frame.pcode !== DataPcode.dataReturn) {
    throw new ProtocolError(`expected a data return (${DataPcode.dataReturn}), got pcode ${frame.pcode}`);
  }
  const reader = new BodyReader(frame.body, 'data return');
  const reply = { configVersion: reader.u32('config_version'), code: reader.i32('code'), value: readValue(reader) };
  reader.expectEnd();
  return reply;
}

/** dataReply — a reply with no value. */
export function dataReply(configVersion: number, code: DataCode): DataReply {
  return { configVersion, code, value: emptyBytes };
}

function writeBytes(writer: BodyWriter, bytes: Uint8Array, field: string): void {
  writer.lengthPrefixedBytes(bytes, field);
}

function readKey(reader: BodyReader): Buffer {
  const keyBytes = reader.u32('key');
  if (keyBytes === 0 || keyBytes > dataKeyBytesMax) reader.fail(`key: ${keyBytes} bytes is outside 1..${dataKeyBytesMax}`);
  return reader.bytes(keyBytes, 'key');
}

function readValue(reader: BodyReader): Buffer {
  const valueBytes = reader.u32('value');
  if (valueBytes > dataValueBytesMax) reader.fail(`value: ${valueBytes} bytes is over ${dataValueBytesMax}`);
  return reader.bytes(valueBytes, 'value');
}

function requestBytesHint(request: DataRequest): number {
  switch (request.pcode) {
    case DataPcode.put:
    case DataPcode.replicate:
      return 24 + request.key.length + request.value.length;
    case DataPcode.migrateBatch:
      return request.entries.reduce((sum, entry) => sum + 8 + entry.key.length + entry.value.length, 16);
    default:
      return 64;
  }
}
