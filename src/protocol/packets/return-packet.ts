/**
 * return-packet — pcode 101, the generic reply.
 *
 *   config_version u32 · code i32 · msg string
 *
 * Config servers answer ping, CS heartbeat, set master, table pushes and finish packets with it;
 * data servers answer clients with it too, carrying their client version.
 */
import type { BodyReader } from '../reader.js';
import type { BodyWriter } from '../writer.js';

/** ReturnPacket — a code and a message (see ReturnCode in pcodes.ts). */
export interface ReturnPacket {
  configVersion: number;
  code: number;
  message: string;
}

/** readReturnPacket — decode a pcode 101 body. */
export function readReturnPacket(reader: BodyReader): ReturnPacket {
  return { configVersion: reader.u32('config_version'), code: reader.i32('code'), message: reader.string('msg') };
}

/** writeReturnPacket — encode a pcode 101 body. */
export function writeReturnPacket(writer: BodyWriter, packet: ReturnPacket): void {
  writer.u32(packet.configVersion, 'config_version');
  writer.i32(packet.code, 'code');
  writer.string(packet.message, 'msg');
}
