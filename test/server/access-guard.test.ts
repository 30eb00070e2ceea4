/**
 * The access guard's decisions, frame by frame (no sockets): open requests pass from anywhere;
 * admin requests only from admin_allow (signed, with a key, unless from loopback); pair messages
 * only from the peer's IP (signed, with a key); every refusal has the pcode's error shape.
 */
import { describe, expect, test } from 'vitest';
import type { Frame, Packet } from '../../src/protocol/index.js';
import { DataServerControlCode, decodeRequest, encodeBody, OpCmd, Pcode } from '../../src/protocol/index.js';
import { signBody } from '../../src/protocol/signature.js';
import { AdminCmd, AdminCode } from '../../src/admin/admin-codes.js';
import type { AddressFilter } from '../../src/security/address-filter.js';
import { addressFilterOf } from '../../src/security/address-filter.js';
import type { AdmitVerdict } from '../../src/server/access-guard.js';
import { accessClassOf, AccessGuard } from '../../src/server/access-guard.js';

const key = Buffer.from('a key of at least sixteen bytes');
const allow = (...texts: string[]): AddressFilter => addressFilterOf(texts);
const nowMs = 1_700_000_000_000;

function frameOf(packet: Packet, signWith: Buffer | null = null, timeMs = nowMs, nonce?: bigint): Frame {
  const body = encodeBody(packet);
  return { channelId: 7, pcode: packet.pcode, body: signWith ? signBody(packet.pcode, body, signWith, timeMs, nonce) : body };
}

const rebuild: Packet = { pcode: Pcode.opCmdRequest, body: { cmd: AdminCmd.rebuild, params: ['group_1'] } };
const groupStatus: Packet = { pcode: Pcode.opCmdRequest, body: { cmd: OpCmd.getGroupStatus, params: ['group_1'] } };
const addServer: Packet = { pcode: Pcode.dataServerControlRequest, body: { serverIds: [1n, 2n], op: 0, groupName: 'group_1' } };
const push: Packet = { pcode: Pcode.serverTable, body: { modifiedTimeS: 0, type: 0, groupName: 'group_1', originalBytes: 0, data: Buffer.alloc(0) } };
const peerHeartbeat: Packet = { pcode: Pcode.configServerHeartbeat, body: { serverId: 1n, loopCount: 1 } };
const getGroup: Packet = { pcode: Pcode.getGroupRequest, body: { configVersion: 0, groupName: 'group_1' } };

function refusedWith(verdict: AdmitVerdict): string {
  if (verdict.ok) throw new Error('admitted');
  return verdict.refusal.reason;
}

describe('access guard', () => {
  test('classes: read-only op_cmd and the data path are open, the rest is admin or pair', () => {
    expect(accessClassOf(Pcode.opCmdRequest, encodeBody(groupStatus))).toBe('open');
    expect(accessClassOf(Pcode.opCmdRequest, encodeBody({ pcode: Pcode.opCmdRequest, body: { cmd: AdminCmd.status, params: [] } }))).toBe('open');
    expect(accessClassOf(Pcode.opCmdRequest, encodeBody(rebuild))).toBe('admin');
    expect(accessClassOf(Pcode.opCmdRequest, encodeBody({ pcode: Pcode.opCmdRequest, body: { cmd: AdminCmd.plan, params: ['g'] } }))).toBe('admin');
    expect(accessClassOf(Pcode.opCmdRequest, Buffer.alloc(2))).toBe('admin');
    expect(accessClassOf(Pcode.dataServerControlRequest, encodeBody(addServer))).toBe('admin');
    for (const pcode of [Pcode.getServerTableRequest, Pcode.configServerHeartbeat, Pcode.setMaster, Pcode.serverTable])
      expect(accessClassOf(pcode, Buffer.alloc(0))).toBe('pair');
    for (const pcode of [Pcode.ping, Pcode.heartbeatRequest, Pcode.getGroupRequest, Pcode.migrateFinish, Pcode.queryInfoRequest])
      expect(accessClassOf(pcode, Buffer.alloc(0))).toBe('open');
  });

  test('without a key: admin from admin_allow only, pair from the peer only, open from anyone', () => {
    const guard = new AccessGuard({ adminAllow: allow('loopback', '10.1.0.0/16'), peerIp: '10.0.0.2', secret: null, wallNowMs: () => nowMs });
    expect(guard.admit('::ffff:10.1.2.3', frameOf(rebuild)).ok).toBe(true);
    expect(guard.admit('127.0.0.1', frameOf(addServer)).ok).toBe(true);
    expect(refusedWith(guard.admit('10.2.0.1', frameOf(rebuild)))).toBe('not-allowed');
    expect(guard.admit('10.2.0.1', frameOf(groupStatus)).ok).toBe(true);
    expect(guard.admit('10.2.0.1', frameOf(getGroup)).ok).toBe(true);
    expect(guard.admit('10.0.0.2', frameOf(push)).ok).toBe(true);
    expect(refusedWith(guard.admit('127.0.0.1', frameOf(push)))).toBe('not-peer');
    expect(refusedWith(guard.admit('10.1.2.3', frameOf(peerHeartbeat)))).toBe('not-peer');
    const alone = new AccessGuard({ adminAllow: allow('loopback'), peerIp: null, secret: null });
    expect(refusedWith(alone.admit('127.0.0.1', frameOf(push)))).toBe('no-pair');
  });

  test("refusals carry the pcode's own error shape", () => {
    const guard = new AccessGuard({ adminAllow: allow('loopback'), peerIp: '10.0.0.2', secret: null });
    const opCmd = guard.admit('10.9.9.9', frameOf(rebuild));
    expect(!opCmd.ok && opCmd.reply).toMatchObject({ pcode: Pcode.opCmdResponse, body: { code: AdminCode.denied } });
    const control = guard.admit('10.9.9.9', frameOf(addServer));
    expect(!control.ok && control.reply).toEqual({
      pcode: Pcode.dataServerControlResponse,
      body: { codes: [DataServerControlCode.denied, DataServerControlCode.denied] },
    });
    const pair = guard.admit('10.9.9.9', frameOf(push));
    expect(!pair.ok && pair.reply).toMatchObject({ pcode: Pcode.returnPacket, body: { code: 1 } });
  });

  test('with a key: unsigned admin only from loopback, pair always signed, signatures checked and used once', () => {
    const guard = new AccessGuard({ adminAllow: allow('loopback', '10.1.0.0/16'), peerIp: '10.0.0.2', secret: key, wallNowMs: () => nowMs });
    expect(guard.admit('127.0.0.1', frameOf(rebuild)).ok).toBe(true);
    expect(refusedWith(guard.admit('10.1.0.5', frameOf(rebuild)))).toBe('unsigned');
    const signed = frameOf(rebuild, key, nowMs, 42n);
    const admitted = guard.admit('10.1.0.5', signed);
    expect(admitted.ok && decodeRequest(admitted.frame.pcode, admitted.frame.body)).toEqual(rebuild);
    expect(refusedWith(guard.admit('10.1.0.5', signed))).toBe('replayed');
    expect(refusedWith(guard.admit('10.1.0.5', frameOf(rebuild, Buffer.from('the wrong key, sixteen+'))))).toBe('bad-signature');
    expect(refusedWith(guard.admit('10.1.0.5', frameOf(rebuild, key, nowMs - 60_000)))).toBe('stale-signature');
    expect(refusedWith(guard.admit('10.2.0.5', frameOf(rebuild, key)))).toBe('not-allowed');
    expect(refusedWith(guard.admit('10.0.0.2', frameOf(push)))).toBe('unsigned');
    expect(guard.admit('10.0.0.2', frameOf(push, key)).ok).toBe(true);
    expect(refusedWith(guard.admit('127.0.0.1', frameOf(push, key)))).toBe('not-peer');
  });
});
