/**
 * fields — field groups that several packet bodies share: transition info, key/value maps and
 * per-area amounts, with their readers and writers.
 *
 *   transition_info u32:  bits 31..8 transition version · bit 2 migrating · bit 1 failovering
 *                         · bit 0 data_need_move   (bits 7..3 reserved: ignored, written 0)
 */
import { InputError } from '../../errors.js';
import type { BodyReader } from '../reader.js';
import type { BodyWriter } from '../writer.js';

/** transitionVersionMax — transition versions travel in 24 bits. */
export const transitionVersionMax = 0xff_ffff;

/** TransitionInfo — a group's transition state as heartbeats carry it. */
export interface TransitionInfo {
  version: number;
  dataNeedMove: boolean;
  failovering: boolean;
  migrating: boolean;
}

/** noTransition — version 0, no flag set. */
export const noTransition: Readonly<TransitionInfo> = Object.freeze({
  version: 0,
  dataNeedMove: false,
  failovering: false,
  migrating: false,
});

/** packTransitionInfo — the u32 form of a TransitionInfo. */
export function packTransitionInfo(info: TransitionInfo): number {
  if (!Number.isInteger(info.version) || info.version < 0 || info.version > transitionVersionMax) {
    throw new InputError(`transition version ${info.version} is outside 0..${transitionVersionMax}`);
  }
  const flags = (info.dataNeedMove ? 1 : 0) | (info.failovering ? 2 : 0) | (info.migrating ? 4 : 0);
  return ((info.version << 8) | flags) >>> 0;
}

/** unpackTransitionInfo — a TransitionInfo from its u32 form. */
export function unpackTransitionInfo(raw: number): TransitionInfo {
  return {
    version: raw >>> 8,
    dataNeedMove: (raw & 1) !== 0,
    failovering: (raw & 2) !== 0,
    migrating: (raw & 4) !== 0,
  };
}

/** readTransitionInfo — a transition_info field. */
export function readTransitionInfo(reader: BodyReader): TransitionInfo {
  return unpackTransitionInfo(reader.u32('transition_info'));
}

/** writeTransitionInfo — a transition_info field. */
export function writeTransitionInfo(writer: BodyWriter, info: TransitionInfo): void {
  writer.u32(packTransitionInfo(info), 'transition_info');
}

/** KeyValue — one entry of a string map (group parameters, query results). */
export interface KeyValue {
  key: string;
  value: string;
}

/** readKeyValues — a u32 count then (key string, value string) pairs. */
export function readKeyValues(reader: BodyReader, field: string): KeyValue[] {
  const entryCount = reader.count(field, 8);
  const entries = new Array<KeyValue>(entryCount);
  for (let i = 0; i < entryCount; i++) {
    const key = reader.string(field);
    entries[i] = { key, value: reader.string(field) };
  }
  return entries;
}

/** writeKeyValues — a u32 count then (key string, value string) pairs. */
export function writeKeyValues(writer: BodyWriter, entries: readonly KeyValue[], field: string): void {
  writer.u32(entries.length, field);
  for (const entry of entries) {
    writer.string(entry.key, field);
    writer.string(entry.value, field);
  }
}

/** AreaAmount — a byte amount for one area (capacity in requests, per-server quota in replies). */
export interface AreaAmount {
  area: number;
  bytes: bigint;
}

/** readAreaAmounts — a u32 count then (area u32, bytes u64) pairs. */
export function readAreaAmounts(reader: BodyReader, field: string): AreaAmount[] {
  const entryCount = reader.count(field, 12);
  const entries = new Array<AreaAmount>(entryCount);
  for (let i = 0; i < entryCount; i++) {
    const area = reader.u32(field);
    entries[i] = { area, bytes: reader.u64(field) };
  }
  return entries;
}

/** writeAreaAmounts — a u32 count then (area u32, bytes u64) pairs. */
export function writeAreaAmounts(writer: BodyWriter, entries: readonly AreaAmount[], field: string): void {
  writer.u32(entries.length, field);
  for (const entry of entries) {
    writer.u32(entry.area, field);
    writer.u64(entry.bytes, field);
  }
}
