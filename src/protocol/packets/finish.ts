/**
 * finish — the packets a source master sends when a bucket is done.
 *
 *   1201 migrate finish   version u32 · server_id u64 · bucket_no i32
 *   1202 recovery finish  version u32 · transition_version u32 · server_id u64 · bucket_no i32
 *
 * Both are answered with a return packet (101): code 0, or 1 to make the sender retry.
 * bucket_no is signed on the wire; checking it against the bucket count is the cluster's job.
 */
import type { BodyReader } from '../reader.js';
import type { BodyWriter } from '../writer.js';

/** MigrateFinish — a data server finished copying a bucket to its destination. */
export interface MigrateFinish {
  /** version — the server_version of the table the sender migrated by. */
  version: number;
  serverId: bigint;
  bucketIndex: number;
}

/** RecoveryFinish — a data server finished replaying a bucket's failover log to a recovered server. */
export interface RecoveryFinish {
  version: number;
  transitionVersion: number;
  serverId: bigint;
  bucketIndex: number;
}

/** readMigrateFinish — decode a pcode 1201 body. */
export function readMigrateFinish(reader: BodyReader): MigrateFinish {
  return { version: reader.u32('version'), serverId: reader.u64('server_id'), bucketIndex: reader.i32('bucket_no') };
}

/** writeMigrateFinish — encode a pcode 1201 body. */
export function writeMigrateFinish(writer: BodyWriter, finish: MigrateFinish): void {
  writer.u32(finish.version, 'version');
  writer.u64(finish.serverId, 'server_id');
  writer.i32(finish.bucketIndex, 'bucket_no');
}

/** readRecoveryFinish — decode a pcode 1202 body. */
export function readRecoveryFinish(reader: BodyReader): RecoveryFinish {
  return {
    version: reader.u32('version'),
    transitionVersion: reader.u32('transition_version'),
    serverId: reader.u64('server_id'),
    bucketIndex: reader.i32('bucket_no'),
  };
}

/** writeRecoveryFinish — encode a pcode 1202 body. */
export function writeRecoveryFinish(writer: BodyWriter, finish: RecoveryFinish): void {
  writer.u32(finish.version, 'version');
  writer.u32(finish.transitionVersion, 'transition_version');
  writer.u64(finish.serverId, 'server_id');
  writer.i32(finish.bucketIndex, 'bucket_no');
}
