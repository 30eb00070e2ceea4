/**
 * state — what an outsider must never change on a config server, as one comparable snapshot:
 * role and epoch, per group the versions, table presence, state, alarms, pause and cap, and
 * every data server's state and membership (from op_cmd status, which anyone may ask), plus
 * the bytes of group.conf and pair.state. Liveness timings and recent events are left out.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { FrameConnection } from '../../src/client/frame-connection.js';
import { AdminCmd } from '../../src/admin/admin-codes.js';
import { decodeResponse, encodePacketFrame, Pcode } from '../../src/protocol/index.js';

interface StatusDocument {
  role: string;
  epoch: number;
  groups: {
    name: string;
    hasTable: boolean;
    state: string;
    versions: Record<string, number>;
    alarms: { code: string }[];
    migration: { paused: boolean; capPerServer: number | null };
    dataServers: { id: string; state: string; member: boolean; draining: boolean }[];
  }[];
}

/** stateSnapshot — the snapshot as text (equal text, equal state). */
export async function stateSnapshot(port: number, files: readonly string[]): Promise<string> {
  const connection = await FrameConnection.open({ ip: '127.0.0.1', port }, 5000);
  let status: StatusDocument;
  try {
    const frame = await connection.request(
      (channelId) => encodePacketFrame(channelId, { pcode: Pcode.opCmdRequest, body: { cmd: AdminCmd.status, params: [] } }),
      10_000,
    );
    const reply = decodeResponse(frame.pcode, frame.body);
    if (reply.pcode !== Pcode.opCmdResponse || reply.body.code !== 0) throw new Error('status refused');
    status = JSON.parse(reply.body.infos[0]) as StatusDocument;
  } finally {
    connection.close();
  }
  const fileHashes = await Promise.all(
    files.map(async (file) =>
      createHash('sha256')
        .update(await readFile(file).catch(() => Buffer.alloc(0)))
        .digest('hex')
        .slice(0, 16),
    ),
  );
  return JSON.stringify({
    role: status.role,
    epoch: status.epoch,
    groups: status.groups.map((group) => ({
      name: group.name,
      hasTable: group.hasTable,
      state: group.state,
      versions: group.versions,
      alarms: group.alarms.map((alarm) => alarm.code),
      paused: group.migration.paused,
      cap: group.migration.capPerServer,
      servers: group.dataServers.map((server) => `${server.id} ${server.state}${server.member ? '' : ' removed'}${server.draining ? ' draining' : ''}`),
    })),
    fileHashes,
  });
}
