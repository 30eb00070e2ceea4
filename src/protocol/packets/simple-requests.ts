/**
 * simple-requests — the small fixed-size packets of the config-server pair and liveness checks.
 *
 *   6    ping          config_version u32 · value i32         → 101
 *   1005 set master    config_version u32 · value i32         → 101 (code 0 if I am primary, else 1)
 *   1006 group names   config_version u32 · value i32         → 1104
 *   1004 CS heartbeat  server_id u64 · loop_count u32         → 101
 */
import type { BodyReader } from '../reader.js';
import type { BodyWriter } from '../writer.js';

/** VersionValueRequest — the original's base request body: a version and one value. */
export interface VersionValueRequest {
  configVersion: number;
  value: number;
}

/** PingRequest — pcode 6, liveness probe. */
export type PingRequest = VersionValueRequest;
/** SetMasterRequest — pcode 1005, asks a config server whether it is the primary. */
export type SetMasterRequest = VersionValueRequest;
/** GroupNamesRequest — pcode 1006, asks for the list of groups. */
export type GroupNamesRequest = VersionValueRequest;

/** ConfigServerHeartbeat — pcode 1004, one config server's heartbeat to its peer. */
export interface ConfigServerHeartbeat {
  serverId: bigint;
  /** loopCount — the sender's main-loop counter. */
  loopCount: number;
}

/** readVersionValueRequest — decode a pcode 6, 1005 or 1006 body. */
export function readVersionValueRequest(reader: BodyReader): VersionValueRequest {
  return { configVersion: reader.u32('config_version'), value: reader.i32('value') };
}

/** writeVersionValueRequest — encode a pcode 6, 1005 or 1006 body. */
export function writeVersionValueRequest(writer: BodyWriter, request: VersionValueRequest): void {
  writer.u32(request.configVersion, 'config_version');
  writer.i32(request.value, 'value');
}

/** readConfigServerHeartbeat — decode a pcode 1004 body. */
export function readConfigServerHeartbeat(reader: BodyReader): ConfigServerHeartbeat {
  return { serverId: reader.u64('server_id'), loopCount: reader.u32('loop_count') };
}

/** writeConfigServerHeartbeat — encode a pcode 1004 body. */
export function writeConfigServerHeartbeat(writer: BodyWriter, heartbeat: ConfigServerHeartbeat): void {
  writer.u64(heartbeat.serverId, 'server_id');
  writer.u32(heartbeat.loopCount, 'loop_count');
}
