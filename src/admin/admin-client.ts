/**
 * admin-client — sends one op_cmd to the config-server pair and finds the primary:
 *
 *   for each config server in the order given:
 *     connect · 16 op_cmd · 17 reply · close
 *     unreachable, no reply, or −4210 "not the primary" → try the next one
 *     any other reply (success or a refusal) is the answer
 *
 * When no server answers as primary, the last "not primary" reply (it says who is) or the list
 * of connection failures comes back as an AdminClientError. With a signer (the servers'
 * admin_secret), every command carries the signature trailer (src/protocol/signature.ts).
 */
import { TairError } from '../errors.js';
import type { ServerAddress } from '../common/server-id.js';
import { FrameConnection } from '../client/frame-connection.js';
import type { OpCmdResponse } from '../protocol/index.js';
import { decodeResponse, Pcode } from '../protocol/index.js';
import type { RequestSigner } from '../security/request-signer.js';
import { encodeRequestFrame } from '../security/request-signer.js';
import { AdminCode } from './admin-codes.js';

/** AdminClientError — no config server could be asked (code ERR_ADMIN_UNREACHABLE). */
export class AdminClientError extends TairError {
  constructor(message: string) {
    super('ERR_ADMIN_UNREACHABLE', message);
  }
}

/** AdminAnswer — the reply and which server gave it. */
export interface AdminAnswer {
  server: string;
  response: OpCmdResponse;
}

/** sendAdminCommand — see the file comment. */
export async function sendAdminCommand(
  configServers: readonly ServerAddress[],
  cmd: number,
  params: readonly string[],
  timeoutMs: number,
  signer: RequestSigner | null = null,
): Promise<AdminAnswer> {
  const failures: string[] = [];
  let notPrimary: AdminAnswer | null = null;
  for (const address of configServers) {
    const server = `${address.ip}:${address.port}`;
    let response: OpCmdResponse;
    try {
      response = await askOne(address, cmd, params, timeoutMs, signer);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Connection errors already start with the address; name it once.
      failures.push(message.startsWith(`${server}: `) ? message : `${server}: ${message}`);
      continue;
    }
    if (response.code !== AdminCode.notPrimary) return { server, response };
    notPrimary = { server, response };
  }
  if (notPrimary) return notPrimary;
  throw new AdminClientError(`no config server answered: ${failures.join('; ')}`);
}

async function askOne(address: ServerAddress, cmd: number, params: readonly string[], timeoutMs: number, signer: RequestSigner | null): Promise<OpCmdResponse> {
  const connection = await FrameConnection.open(address, timeoutMs);
  try {
    const frame = await connection.request(
      (channelId) => encodeRequestFrame(channelId, { pcode: Pcode.opCmdRequest, body: { cmd, params: [...params] } }, signer),
      timeoutMs,
    );
    const packet = decodeResponse(frame.pcode, frame.body);
    if (packet.pcode !== Pcode.opCmdResponse) throw new Error(`answered with pcode ${packet.pcode}`);
    return packet.body;
  } finally {
    connection.close();
  }
}
