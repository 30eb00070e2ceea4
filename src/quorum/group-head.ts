/**
 * group-head — `P/groups/<group>/head`: the group's newest committed version, as JSON.
 *
 *   {"format":1,"sequence":12,"epoch":"3","tableChecksum":305419896,
 *    "versions":{"client":112,"server":112},
 *    "snapshot":{"sequence":10,"chunkCount":3,"compressedBytes":2893114,"compressedChecksum":1732584193}}
 *
 * The table at `sequence` is the snapshot at `snapshot.sequence` with records snapshot.sequence+1
 * … sequence applied in order; its table file ends with `tableChecksum`. The head is written in
 * the same transaction as the last record (or after the snapshot's chunks), so whoever reads a
 * head at a revision finds everything it names at that revision.
 */
import { quorumSnapshotChunkCountMax, quorumSnapshotEveryMax } from '../limits.js';
import type { SnapshotInfo } from './snapshot-chunks.js';

/** headFormatVersion — bumped on any change of the head's fields. */
export const headFormatVersion = 1;

/** GroupHead — a parsed head. */
export interface GroupHead {
  sequence: number;
  epoch: bigint;
  tableChecksum: number;
  versions: { client: number; server: number };
  snapshot: SnapshotInfo;
}

/** encodeHead — the head's JSON text. */
export function encodeHead(head: GroupHead): string {
  return JSON.stringify({
    format: headFormatVersion,
    sequence: head.sequence,
    epoch: head.epoch.toString(),
    tableChecksum: head.tableChecksum,
    versions: head.versions,
    snapshot: head.snapshot,
  });
}

/** parseHead — a head from its JSON text, or why it is not one (never throws). */
export function parseHead(text: string): GroupHead | string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return 'head is not JSON';
  }
  if (!isRecord(raw) || raw.format !== headFormatVersion) return `head format is not ${headFormatVersion}`;
  const { sequence, epoch, tableChecksum, versions, snapshot } = raw;
  if (!isCount(sequence) || sequence < 1) return 'head sequence is not a positive integer';
  if (typeof epoch !== 'string' || !/^\d{1,20}$/.test(epoch)) return 'head epoch is not a decimal string';
  if (!isU32(tableChecksum)) return 'head table checksum is not a u32';
  if (!isRecord(versions) || !isU32(versions.client) || !isU32(versions.server)) return 'head versions are not u32s';
  if (!isRecord(snapshot)) return 'head has no snapshot';
  const info = {
    sequence: snapshot.sequence,
    chunkCount: snapshot.chunkCount,
    compressedBytes: snapshot.compressedBytes,
    compressedChecksum: snapshot.compressedChecksum,
  };
  if (!isCount(info.sequence) || info.sequence < 1 || info.sequence > sequence) return 'head snapshot sequence is out of range';
  if (sequence - info.sequence > quorumSnapshotEveryMax) return `head is ${sequence - info.sequence} records past its snapshot, over ${quorumSnapshotEveryMax}`;
  if (!isCount(info.chunkCount) || info.chunkCount < 1 || info.chunkCount > quorumSnapshotChunkCountMax) return 'head snapshot chunk count is out of range';
  if (!isCount(info.compressedBytes) || !isU32(info.compressedChecksum)) return 'head snapshot size or checksum is malformed';
  return {
    sequence,
    epoch: BigInt(epoch),
    tableChecksum,
    versions: { client: versions.client, server: versions.server },
    snapshot: info as SnapshotInfo,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

function isU32(value: unknown): value is number {
  return isCount(value) && value <= 0xffff_ffff;
}
