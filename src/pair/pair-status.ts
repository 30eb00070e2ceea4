/**
 * pair-status — what one config server of the pair tells the other about itself, carried as our
 * own type (2) of the server-table packet 1103, in reply to the peer's heartbeat 1004 (docs/pair.md).
 *
 *   offset  type  field                       (big-endian, 25 bytes)
 *   0       u32   magic 0x54435350 ("TCSP")
 *   4       u16   version (1)
 *   6       u8    entryIndex  — the sender's index in its config_server list
 *   7       u8    role        — 1 primary, 2 secondary, 3 starting
 *   8       u64   epoch       — the sender's epoch (epoch.ts)
 *   16      u64   syncToken   — primary: its replication token; secondary: the token of the
 *                               primary it holds a full copy of (0 = none)
 *   24      u8    flags       — bit 0: handing over (a primary that stepped down for entry #0);
 *                               bit 1: tables lost (a table file was corrupt at its start: on an
 *                               equal epoch the peer holds the newer state, epoch.ts)
 *
 * A later version may append bytes; a version-1 reader ignores them.
 */
import { ProtocolError } from '../errors.js';
import type { PairEntryIndex } from './epoch.js';

/** PairRole — a config server's place in the pair; `starting` until it knows the other's. */
export type PairRole = 'starting' | 'primary' | 'secondary';

/** PairStatus — see the file comment. */
export interface PairStatus {
  entryIndex: PairEntryIndex;
  role: PairRole;
  epoch: bigint;
  syncToken: bigint;
  handingOver: boolean;
  /** tablesLost — see flags bit 1 (absent = false). */
  tablesLost?: boolean;
}

/** pairStatusType — the 1003/1103 `type` of a status (0 table and 1 group.conf are the original's). */
export const pairStatusType = 2;
/** handoverRequestValue — set-master (1005) value asking entry #1 to hand the primary role back (1 only asks). */
export const handoverRequestValue = 2;

const magic = 0x54435350;
const version = 1;
const statusBytes = 25;
const roleCodes: Record<PairRole, number> = { primary: 1, secondary: 2, starting: 3 };
const rolesByCode = new Map(Object.entries(roleCodes).map(([role, code]) => [code, role as PairRole]));

/** encodePairStatus — the 25 bytes of a status. */
export function encodePairStatus(status: PairStatus): Buffer {
  const bytes = Buffer.alloc(statusBytes);
  bytes.writeUInt32BE(magic, 0);
  bytes.writeUInt16BE(version, 4);
  bytes.writeUInt8(status.entryIndex, 6);
  bytes.writeUInt8(roleCodes[status.role], 7);
  bytes.writeBigUInt64BE(status.epoch, 8);
  bytes.writeBigUInt64BE(status.syncToken, 16);
  bytes.writeUInt8((status.handingOver ? 1 : 0) | (status.tablesLost ? 2 : 0), 24);
  return bytes;
}

/** decodePairStatus — a status; throws ProtocolError for anything else. */
export function decodePairStatus(bytes: Buffer): PairStatus {
  if (bytes.length < statusBytes) throw new ProtocolError(`pair status: ${bytes.length} bytes, at least ${statusBytes} expected`);
  if (bytes.readUInt32BE(0) !== magic) throw new ProtocolError('pair status: bad magic');
  if (bytes.readUInt16BE(4) < version) throw new ProtocolError('pair status: bad version');
  const entryIndex = bytes.readUInt8(6);
  if (entryIndex !== 0 && entryIndex !== 1) throw new ProtocolError(`pair status: entry index ${entryIndex}`);
  const role = rolesByCode.get(bytes.readUInt8(7));
  if (!role) throw new ProtocolError(`pair status: role code ${bytes.readUInt8(7)}`);
  return {
    entryIndex,
    role,
    epoch: bytes.readBigUInt64BE(8),
    syncToken: bytes.readBigUInt64BE(16),
    handingOver: (bytes.readUInt8(24) & 1) !== 0,
    tablesLost: (bytes.readUInt8(24) & 2) !== 0,
  };
}
