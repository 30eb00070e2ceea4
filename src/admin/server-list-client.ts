/**
 * server-list-client — adds data servers to or removes them from a group's `_server_list` with
 * pcode 1500 (the original's data-server control), sent to the pair's primary: the config
 * server edits group.conf line by line and reloads it (src/server/group-conf-editor.ts).
 *
 *   for each config server in order: op_cmd status → its role; the first primary gets the 1500
 *   → 1502: one code per server (DataServerControlCode)
 *
 * With a signer (the servers' admin_secret), the 1500 carries the signature trailer.
 */
import { FrameConnection } from '../client/frame-connection.js';
import type { ServerAddress } from '../common/server-id.js';
import { DataServerControlCode, decodeResponse, Pcode } from '../protocol/index.js';
import type { RequestSigner } from '../security/request-signer.js';
import { encodeRequestFrame } from '../security/request-signer.js';
import { AdminClientError, sendAdminCommand } from './admin-client.js';
import { AdminCmd } from './admin-codes.js';

/** serverListCodeNames — what each per-server code of a 1502 means. */
export const serverListCodeNames = new Map<number, string>([
  [DataServerControlCode.ok, 'done'],
  [DataServerControlCode.fileOpFailed, 'group.conf could not be written'],
  [DataServerControlCode.notFound, 'not in _server_list'],
  [DataServerControlCode.alreadyExists, 'already in _server_list'],
  [DataServerControlCode.groupNotFound, 'no such group'],
  [DataServerControlCode.badOp, 'unknown operation'],
  [DataServerControlCode.unknown, 'failed'],
  [DataServerControlCode.denied, 'denied: this host may not change the cluster (admin_allow, admin_secret)'],
  [DataServerControlCode.notPrimary, 'not the primary'],
]);

/** ServerListAnswer — which config server edited, and one code per server asked for. */
export interface ServerListAnswer {
  server: string;
  codes: number[];
}

/** editServerListRemotely — see the file comment; throws AdminClientError when no primary answers. */
export async function editServerListRemotely(
  configServers: readonly ServerAddress[],
  request: { groupName: string; op: number; serverIds: bigint[] },
  timeoutMs: number,
  signer: RequestSigner | null = null,
): Promise<ServerListAnswer> {
  const failures: string[] = [];
  for (const address of configServers) {
    const server = `${address.ip}:${address.port}`;
    try {
      const { response } = await sendAdminCommand([address], AdminCmd.status, [], timeoutMs);
      const role = response.code === 0 ? (JSON.parse(response.infos[0]) as { role?: string }).role : undefined;
      if (role !== 'primary') {
        failures.push(`${server}: not the primary`);
        continue;
      }
      return { server, codes: await askOne(address, request, timeoutMs, signer) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.push(message.includes(server) ? message.replace(/^no config server answered: /, '') : `${server}: ${message}`);
    }
  }
  throw new AdminClientError(`no primary config server answered: ${failures.join('; ')}`);
}

async function askOne(
  address: ServerAddress,
  request: { groupName: string; op: number; serverIds: bigint[] },
  timeoutMs: number,
  signer: RequestSigner | null,
): Promise<number[]> {
  const connection = await FrameConnection.open(address, timeoutMs);
  try {
    const frame = await connection.request(
      (channelId) => encodeRequestFrame(channelId, { pcode: Pcode.dataServerControlRequest, body: request }, signer),
      timeoutMs,
    );
    const packet = decodeResponse(frame.pcode, frame.body);
    if (packet.pcode !== Pcode.dataServerControlResponse) throw new Error(`answered with pcode ${packet.pcode}`);
    return packet.body.codes;
  } finally {
    connection.close();
  }
}
