/**
 * request-signer — how our admin CLI and the config-server pair put the signature trailer
 * (src/protocol/signature.ts) on the requests the server guards: op_cmd, 1500 and the pair's
 * 1003/1004/1005/1103. Other requests go out as they are (an original peer reads them).
 */
import type { Packet } from '../protocol/index.js';
import { encodeBody, encodeFrame, encodePacketFrame, Pcode } from '../protocol/index.js';
import { signBody } from '../protocol/signature.js';

const signedPcodes: ReadonlySet<number> = new Set([
  Pcode.opCmdRequest,
  Pcode.dataServerControlRequest,
  Pcode.getServerTableRequest,
  Pcode.configServerHeartbeat,
  Pcode.setMaster,
  Pcode.serverTable,
]);

/** RequestSigner — signs with one key, stamped by one wall clock. */
export class RequestSigner {
  constructor(
    private readonly key: Buffer,
    private readonly wallNowMs: () => number = Date.now,
  ) {}

  /** frame — the whole frame of `packet`, its body signed when its pcode is one the server guards. */
  frame(channelId: number, packet: Packet): Buffer {
    if (!signedPcodes.has(packet.pcode)) return encodePacketFrame(channelId, packet);
    return encodeFrame(channelId, packet.pcode, signBody(packet.pcode, encodeBody(packet), this.key, this.wallNowMs()));
  }
}

/** encodeRequestFrame — `packet` as a frame, signed when a signer is given. */
export function encodeRequestFrame(channelId: number, packet: Packet, signer: RequestSigner | null): Buffer {
  return signer ? signer.frame(channelId, packet) : encodePacketFrame(channelId, packet);
}
