/**
 * Golden vectors: every frame of the original cluster's captured traffic decodes to what the
 * independent decoded dump shows, and re-encodes to the same bytes. Two normalisations, both
 * documented in the captures README: the original leaves stale memory after the group name's
 * NUL (we zero it), and table blobs are compared after inflating (zlib output differs byte-wise).
 */
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/errors.js';
import { FrameDecoder, encodeFrame, frameHeaderBytes } from '../../src/protocol/frame.js';
import { decodePacket, decodeRequest, encodePacketFrame, type Packet } from '../../src/protocol/packet.js';
import { Pcode, isKnownPcode } from '../../src/protocol/pcodes.js';
import { BodyReader } from '../../src/protocol/reader.js';
import { unpackTransitionInfo } from '../../src/protocol/packets/fields.js';
import { compressTable, inflateTable } from '../../src/protocol/table-blob.js';
import type { HeartbeatResponse } from '../../src/protocol/packets/heartbeat-response.js';
import { captureNames, readDecodedCapture, readHexCapture, type CapturedFrame, type DecodedRecord } from './capture-files.js';
import {
  groupParamsCount,
  heartbeatRequestFields,
  heartbeatResponseFields,
  heartbeatResponsePrefixFields,
  migratedInfoLength,
  pluginsCount,
  simpleFields,
  statExpectation,
  tableExpectation,
} from './capture-expectations.js';

/** The frame with the bytes after the group name's NUL zeroed (pcode 104 only). */
function zeroGroupNamePadding(frame: Buffer): Buffer {
  const copy = Buffer.from(frame);
  const nameStart = frameHeaderBytes + 32 + copy.readUInt32BE(frameHeaderBytes + 28);
  const nameEnd = Math.min(nameStart + 64, copy.length);
  const nul = copy.indexOf(0, nameStart);
  if (nul >= 0 && nul < nameEnd) copy.fill(0, nul, nameEnd);
  return copy;
}

function bodyOf(frame: CapturedFrame): Buffer {
  return frame.bytes.subarray(frameHeaderBytes);
}

/** Inflates a blob as the receiver would, then checks it survives our own compress/inflate. */
function checkTable(blob: Buffer, slotCount: number, expected: ReturnType<typeof tableExpectation>): void {
  expect(blob.length).toBe(expected.blobBytes);
  const table = inflateTable(blob, slotCount);
  if (expected.slotCount !== undefined) expect(table.length).toBe(expected.slotCount);
  if (expected.firstServerIds) expect([...table.subarray(0, 8)]).toEqual(expected.firstServerIds);
  expect(inflateTable(compressTable(table), slotCount)).toEqual(table);
}

function checkDecoded(packet: Packet, record: DecodedRecord): void {
  const text = record.text;
  switch (packet.pcode) {
    case Pcode.heartbeatRequest: {
      expect(packet.body).toMatchObject(heartbeatRequestFields(text));
      expect(packet.body.statBytes.length).toBe(statExpectation(text).statBytes);
      expect(packet.body.extension).toBeUndefined();
      return;
    }
    case Pcode.heartbeatResponse: {
      const body = packet.body;
      expect(body).toMatchObject(heartbeatResponseFields(text));
      if (body.plugins) expect(body.plugins.length).toBe(pluginsCount(text));
      expect(body.migratedInfo.length).toBe(migratedInfoLength(text));
      if (body.tableBlob.length > 0) checkTable(body.tableBlob, 2 * body.bucketCount * body.copyCount, tableExpectation(text));
      return;
    }
    case Pcode.getGroupResponse: {
      expect(packet.body).toMatchObject(simpleFields(packet.pcode, text));
      expect(packet.body.groupParams.length).toBe(groupParamsCount(text));
      checkTable(packet.body.tableBlob, packet.body.bucketCount * packet.body.copyCount, tableExpectation(text));
      return;
    }
    default:
      expect(packet.body).toMatchObject(simpleFields(packet.pcode, text));
  }
}

/** A truncated 104: check its prefix, and rebuild it when the dump shows every field. */
function checkTruncatedHeartbeatResponse(frame: CapturedFrame, record: DecodedRecord): void {
  const reader = new BodyReader(bodyOf(frame), 'truncated 104');
  const prefix = {
    clientVersion: reader.u32('client_version'),
    serverVersion: reader.u32('server_version'),
    bucketCount: reader.u32('bucket_count'),
    copyCount: reader.u32('copy_count'),
    downConfigServerId: reader.u64('down_slave_config_server'),
    transition: unpackTransitionInfo(reader.u32('transition_info')),
    tableBlob: Buffer.from(reader.lengthPrefixedBytes('hash_table')),
    groupName: '',
  };
  const nameBytes = reader.bytes(Math.min(64, reader.remainingBytes), 'group_name');
  prefix.groupName = nameBytes.subarray(0, nameBytes.indexOf(0)).toString('utf8');
  expect(prefix).toMatchObject(heartbeatResponsePrefixFields(record.text));
  checkTable(prefix.tableBlob, 2 * prefix.bucketCount * prefix.copyCount, tableExpectation(record.text));
  if (migratedInfoLength(record.text) !== 0 || pluginsCount(record.text) > 0) return;
  const fields = heartbeatResponseFields(record.text) as unknown as HeartbeatResponse;
  const rebuilt: HeartbeatResponse = {
    ...fields,
    tableBlob: prefix.tableBlob,
    plugins: pluginsCount(record.text) < 0 ? null : [],
    migratedInfo: [],
  };
  const encoded = encodePacketFrame(frame.channelId, { pcode: Pcode.heartbeatResponse, body: rebuilt });
  expect(encoded.length).toBe(frameHeaderBytes + frame.bodyBytes);
  expect(encoded.subarray(0, frame.bytes.length)).toEqual(zeroGroupNamePadding(frame.bytes));
}

/** A truncated 9 (it carries statistics): zero-fill the missing stat bytes and decode. */
function checkTruncatedHeartbeatRequest(frame: CapturedFrame, record: DecodedRecord): void {
  const body = Buffer.alloc(frame.bodyBytes);
  bodyOf(frame).copy(body);
  const packet = decodeRequest(frame.pcode, body);
  expect(packet.body).toMatchObject(heartbeatRequestFields(record.text));
  const stats = statExpectation(record.text);
  if (packet.pcode !== Pcode.heartbeatRequest) throw new Error('not a heartbeat');
  expect(packet.body.statBytes.length).toBe(stats.statBytes);
  expect(packet.body.statBytes.subarray(0, 8).toString('hex')).toBe(stats.firstHex);
}

describe.each(captureNames)('capture %s', (name) => {
  const frames = readHexCapture(name);
  const records = readDecodedCapture(name);

  it('hex and decoded dumps list the same frames', () => {
    expect(frames.length).toBeGreaterThan(0);
    expect(records.map((r) => [r.time, r.channelId, r.pcode, r.bodyBytes])).toEqual(frames.map((f) => [f.time, f.channelId, f.pcode, f.bodyBytes]));
    for (const frame of frames) {
      expect(frame.bytes.length === frameHeaderBytes + frame.bodyBytes).toBe(!frame.truncated);
    }
  });

  it('every frame header decodes; a truncated frame is held back, not returned', () => {
    for (const frame of frames) {
      const decoder = new FrameDecoder();
      const decoded = decoder.push(frame.bytes);
      if (frame.truncated) {
        expect(decoded).toEqual([]);
        expect(decoder.bufferedBytes).toBe(frame.bytes.length);
        continue;
      }
      expect(decoded).toEqual([{ channelId: frame.channelId, pcode: frame.pcode, body: bodyOf(frame) }]);
      expect(encodeFrame(frame.channelId, frame.pcode, bodyOf(frame))).toEqual(frame.bytes);
    }
  });

  it('every complete frame decodes to what the dump shows and re-encodes to the same bytes', () => {
    for (const [index, frame] of frames.entries()) {
      if (frame.truncated || !isKnownPcode(frame.pcode)) continue;
      const packet = decodePacket(frame.pcode, bodyOf(frame));
      checkDecoded(packet, records[index]);
      const original = frame.pcode === Pcode.heartbeatResponse ? zeroGroupNamePadding(frame.bytes) : frame.bytes;
      expect(encodePacketFrame(frame.channelId, packet)).toEqual(original);
    }
  });

  it('every truncated frame agrees with the dump as far as it goes', () => {
    for (const [index, frame] of frames.entries()) {
      if (!frame.truncated) continue;
      if (frame.pcode === Pcode.heartbeatResponse) checkTruncatedHeartbeatResponse(frame, records[index]);
      else if (frame.pcode === Pcode.heartbeatRequest) checkTruncatedHeartbeatRequest(frame, records[index]);
      else throw new Error(`unexpected truncated pcode ${frame.pcode}`);
    }
  });

  it('data-server traffic in the capture (put, get, duplicate) is refused as an unknown pcode', () => {
    for (const frame of frames) {
      if (isKnownPcode(frame.pcode)) continue;
      expect(() => decodePacket(frame.pcode, bodyOf(frame))).toThrow(ProtocolError);
      expect(() => decodeRequest(frame.pcode, bodyOf(frame))).toThrow(/not a request/);
    }
  });
});
