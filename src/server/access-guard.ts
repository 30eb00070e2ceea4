/**
 * access-guard — who may send what (docs/operations.md "Security"). Every request frame passes
 * here before it is decoded for its answer:
 *
 *   class   pcodes                                  who may send it
 *   open    6, 9, 1002, 1006, 1009, 1012, 1201,     anyone: data servers and clients, original or ours
 *           1202, 1501; op_cmd 4, 5, 32, 1001
 *   admin   op_cmd (every other cmd), 1500          a source in admin_allow; with admin_secret, signed
 *                                                   (loopback may send unsigned)
 *   pair    1003, 1004, 1005, 1103                  the configured peer's IP only; with admin_secret,
 *                                                   always signed
 *
 *   frame ─▶ signature trailer? ─ split off, MAC, clock window, nonce (replay-guard.ts)
 *         ─▶ class ─▶ source allowed? ─▶ inner handler (the frame without its trailer)
 *                                  └─ no ─▶ the pcode's error reply (op_cmd −4212, 1500 code 10,
 *                                           pair 101 code 1), a log line, a metric; nothing changes
 *
 * A signature on a request that needs none is checked all the same when a key is set (a wrong
 * one is refused: it is a misconfigured peer or a forgery). Heartbeats and get_group never carry
 * one (their own trailer is the extension).
 */
import type { Frame, Packet } from '../protocol/index.js';
import { decodeRequest, encodePacketFrame, OpCmd, Pcode } from '../protocol/index.js';
import { DataServerControlCode } from '../protocol/index.js';
import { signatureMatches, splitSignature } from '../protocol/signature.js';
import { AdminCmd, AdminCode } from '../admin/admin-codes.js';
import type { AddressFilter } from '../security/address-filter.js';
import { isLoopbackAddress, normalizeAddress } from '../security/address-filter.js';
import type { ReplayVerdict } from '../security/replay-guard.js';
import { ReplayGuard } from '../security/replay-guard.js';
import { signatureNonceCountMax, signatureWindowMs } from '../limits.js';
import type { Connection, FrameHandler } from './tcp-listener.js';

/** AccessClass — see the file comment. */
export type AccessClass = 'open' | 'admin' | 'pair';

/** RefusalReason — why a request was refused (the metric's `reason` label). */
export type RefusalReason = 'not-allowed' | 'not-peer' | 'no-pair' | 'unsigned' | 'bad-signature' | 'stale-signature' | 'replayed' | 'busy';

/** Refusal — one refused request, for the log and the metric. */
export interface Refusal {
  reason: RefusalReason;
  pcode: number;
  accessClass: AccessClass;
  remoteIp: string;
  message: string;
}

/** AccessGuardOptions — the policy's inputs (configserver.conf) and the wall clock signatures are judged by. */
export interface AccessGuardOptions {
  adminAllow: AddressFilter;
  /** peerIp — the other config server's IP; null when this server runs alone. */
  peerIp: string | null;
  /** secret — the signing key; null = signatures are not required. */
  secret: Buffer | null;
  wallNowMs?: () => number;
}

/** AdmitVerdict — the frame to answer (trailer removed), or the refusal and its reply. */
export type AdmitVerdict = { ok: true; frame: Frame } | { ok: false; refusal: Refusal; reply: Packet };

const readOnlyOpCmds: ReadonlySet<number> = new Set([OpCmd.getGroupStatus, OpCmd.getTmpDownServer, OpCmd.getAreaStatus, AdminCmd.status]);
const pairPcodes: ReadonlySet<number> = new Set([Pcode.getServerTableRequest, Pcode.configServerHeartbeat, Pcode.setMaster, Pcode.serverTable]);
/** unsignablePcodes — requests whose body ends with our extension trailer instead. */
const unsignablePcodes: ReadonlySet<number> = new Set([Pcode.heartbeatRequest, Pcode.getGroupRequest]);

/** accessClassOf — the class of a request (op_cmd by its command number, the body's first i32). */
export function accessClassOf(pcode: number, body: Buffer): AccessClass {
  if (pairPcodes.has(pcode)) return 'pair';
  if (pcode === Pcode.dataServerControlRequest) return 'admin';
  if (pcode !== Pcode.opCmdRequest) return 'open';
  return body.length >= 4 && readOnlyOpCmds.has(body.readInt32BE(0)) ? 'open' : 'admin';
}

/** AccessGuard — see the file comment. */
export class AccessGuard {
  private readonly replays = new ReplayGuard(signatureWindowMs, signatureNonceCountMax);
  private readonly peerIp: string | null;
  private readonly wallNowMs: () => number;

  constructor(private readonly options: AccessGuardOptions) {
    this.peerIp = options.peerIp === null ? null : normalizeAddress(options.peerIp);
    this.wallNowMs = options.wallNowMs ?? Date.now;
  }

  /** admit — whether `frame` from `remoteIp` may be answered. */
  admit(remoteIp: string, frame: Frame): AdmitVerdict {
    const split = unsignablePcodes.has(frame.pcode) ? { body: frame.body, signature: null } : splitSignature(frame.body);
    const accessClass = accessClassOf(frame.pcode, split.body);
    const plain = { ...frame, body: split.body };
    let signed = false;
    if (split.signature && this.options.secret) {
      const verdict = signatureMatches(frame.pcode, split.body, split.signature, this.options.secret)
        ? this.replays.admit(split.signature.timeMs, split.signature.nonce, this.wallNowMs())
        : 'bad';
      if (verdict !== 'fresh') return this.refuse(plain, remoteIp, accessClass, replayRefusal(verdict));
      signed = true;
    }
    if (accessClass === 'open') return { ok: true, frame: plain };
    const problem = accessClass === 'admin' ? this.adminProblem(remoteIp, signed) : this.pairProblem(remoteIp, signed);
    return problem ? this.refuse(plain, remoteIp, accessClass, problem) : { ok: true, frame: plain };
  }

  private adminProblem(remoteIp: string, signed: boolean): [RefusalReason, string] | null {
    if (!this.options.adminAllow.matches(remoteIp)) {
      return ['not-allowed', `${normalizeAddress(remoteIp)} is not in admin_allow (${this.options.adminAllow.describe() || 'none'})`];
    }
    if (this.options.secret && !signed && !isLoopbackAddress(remoteIp)) {
      return ['unsigned', 'admin_secret is set: requests from other hosts than this one must be signed (tair-cs admin --secret-file)'];
    }
    return null;
  }

  private pairProblem(remoteIp: string, signed: boolean): [RefusalReason, string] | null {
    if (this.peerIp === null) return ['no-pair', 'this config server has no peer: config-server pair messages are not taken'];
    if (normalizeAddress(remoteIp) !== this.peerIp) return ['not-peer', `only the peer config server (${this.peerIp}) may send config-server pair messages`];
    if (this.options.secret && !signed) return ['unsigned', 'admin_secret is set: the peer must sign its messages (set the same key on both servers)'];
    return null;
  }

  private refuse(frame: Frame, remoteIp: string, accessClass: AccessClass, [reason, message]: [RefusalReason, string]): AdmitVerdict {
    const refusal: Refusal = { reason, pcode: frame.pcode, accessClass, remoteIp: normalizeAddress(remoteIp), message };
    return { ok: false, refusal, reply: refusalReply(frame, `refused: ${message}`) };
  }
}

/** guardFrames — `inner` behind the guard: refused frames are answered with their error and reported. */
export function guardFrames(inner: FrameHandler, guard: AccessGuard, refused: (refusal: Refusal) => void): FrameHandler {
  return {
    handle(connection: Connection, frame: Frame): void {
      const verdict = guard.admit(connection.remoteIp, frame);
      if (verdict.ok) {
        inner.handle(connection, verdict.frame);
        return;
      }
      refused(verdict.refusal);
      connection.send(encodePacketFrame(frame.channelId, verdict.reply));
    },
  };
}

/** refusalReply — the pcode's usual error shape (1500 needs its server count: a body that does not decode closes the connection). */
function refusalReply(frame: Frame, message: string): Packet {
  if (frame.pcode === Pcode.opCmdRequest) return { pcode: Pcode.opCmdResponse, body: { code: AdminCode.denied, infos: [message] } };
  if (frame.pcode === Pcode.dataServerControlRequest) {
    const request = decodeRequest(Pcode.dataServerControlRequest, frame.body);
    const serverCount = request.pcode === Pcode.dataServerControlRequest ? request.body.serverIds.length : 0;
    return { pcode: Pcode.dataServerControlResponse, body: { codes: new Array<number>(serverCount).fill(DataServerControlCode.denied) } };
  }
  return { pcode: Pcode.returnPacket, body: { configVersion: 0, code: 1, message } };
}

function replayRefusal(verdict: ReplayVerdict | 'bad'): [RefusalReason, string] {
  switch (verdict) {
    case 'bad':
      return ['bad-signature', 'the request signature does not match (a different admin_secret?)'];
    case 'stale':
      return ['stale-signature', `the request was signed more than ${signatureWindowMs / 1000} s from this server's clock (check NTP)`];
    case 'replayed':
      return ['replayed', 'this signed request was already received once'];
    default:
      return ['busy', 'too many signed requests at once; retry'];
  }
}
