/**
 * migrating-machines — pcode 1501 → 1302, the migrating-machine map of a data server's group.
 *
 *   1501: server_id u64
 *   1302: n i32 · n × (server u64, buckets left u32)
 */
import type { BodyReader } from '../reader.js';
import type { BodyWriter } from '../writer.js';

/** MigratingMachinesRequest — asks about the group of this data server. */
export interface MigratingMachinesRequest {
  serverId: bigint;
}

/** MigratingMachine — a migration source and how many of its buckets still have to move. */
export interface MigratingMachine {
  serverId: bigint;
  bucketCount: number;
}

/** MigratingMachinesResponse — every migration source of the group. */
export interface MigratingMachinesResponse {
  machines: MigratingMachine[];
}

/** readMigratingMachinesRequest — decode a pcode 1501 body. */
export function readMigratingMachinesRequest(reader: BodyReader): MigratingMachinesRequest {
  return { serverId: reader.u64('server_id') };
}

/** writeMigratingMachinesRequest — encode a pcode 1501 body. */
export function writeMigratingMachinesRequest(writer: BodyWriter, request: MigratingMachinesRequest): void {
  writer.u64(request.serverId, 'server_id');
}

/** readMigratingMachinesResponse — decode a pcode 1302 body. */
export function readMigratingMachinesResponse(reader: BodyReader): MigratingMachinesResponse {
  const machineCount = reader.count('machines', 12, true);
  const machines = new Array<MigratingMachine>(machineCount);
  for (let i = 0; i < machineCount; i++) {
    const serverId = reader.u64('machines');
    machines[i] = { serverId, bucketCount: reader.u32('machines') };
  }
  return { machines };
}

/** writeMigratingMachinesResponse — encode a pcode 1302 body. */
export function writeMigratingMachinesResponse(writer: BodyWriter, response: MigratingMachinesResponse): void {
  writer.i32(response.machines.length, 'machines');
  for (const machine of response.machines) {
    writer.u64(machine.serverId, 'machines');
    writer.u32(machine.bucketCount, 'machines');
  }
}
