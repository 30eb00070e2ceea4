/**
 * frame-cases — the frames the fuzzer sends, from one seed (same seed, same cases):
 *
 *   generated   a well-formed request of every request pcode (op_cmd with any command number,
 *               1500, the pair's 1003/1004/1005/1103, heartbeats with and without our extension
 *               and epochs up to 2^64−1, …), some carrying a signature trailer with a random key
 *   captured    a frame of the golden captures (real traffic of the original cluster)
 *   then one mutation (or none): bit flips, truncation, bytes appended, another pcode, a header
 *   length that lies (longer: a partial frame; shorter: trailing garbage), a bad magic, or the
 *   whole frame replaced by random bytes
 *
 * `partial` marks frames whose header announces more bytes than follow: the connection is
 * dropped after them instead of waiting for an answer that cannot come.
 */
import type { HeartbeatRequest, Packet } from '../../src/protocol/index.js';
import { encodeBody, encodeFrame, Pcode } from '../../src/protocol/index.js';
import { signBody } from '../../src/protocol/signature.js';

/** FuzzFrame — one case. */
export interface FuzzFrame {
  bytes: Buffer;
  kind: string;
  partial: boolean;
}

/** Random — a small seeded generator (mulberry32): enough for fuzzing, reproducible by seed. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** next — a float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** int — an integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** pick — one of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** u64 — 64 random bits, or one of the edge values. */
  u64(): bigint {
    if (this.int(4) === 0) return this.pick([0n, 1n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n]);
    return (BigInt(this.int(2 ** 32)) << 32n) | BigInt(this.int(2 ** 32));
  }

  /** bytes — `count` random bytes. */
  bytes(count: number): Buffer {
    const out = Buffer.alloc(count);
    for (let i = 0; i < count; i++) out[i] = this.int(256);
    return out;
  }

  /** text — a short string, sometimes empty, sometimes with odd characters (no NUL: the encoder refuses it). */
  text(): string {
    return this.pick(['', 'group_1', 'group_x', '127.0.0.1:5191', 'on', 'off', '%s%n', 'a'.repeat(this.int(80)), 'ü€😀', '0', '-1', '99999999999']);
  }
}

const opCmds = [3, 4, 5, 6, 23, 24, 25, 32, 33, 45, 46, 60, 62, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 0, -1, 9999];

/** generatedPacket — a well-formed request of a random pcode. */
function generatedPacket(random: Random, groupNames: readonly string[]): Packet {
  const group = random.pick([...groupNames, random.text()]);
  const u32 = () => random.int(2 ** 32);
  switch (random.int(14)) {
    case 0:
      return { pcode: Pcode.ping, body: { configVersion: u32(), value: random.int(2 ** 31) } };
    case 1:
    case 2:
      return { pcode: Pcode.heartbeatRequest, body: heartbeat(random) };
    case 3:
      return {
        pcode: Pcode.opCmdRequest,
        body: { cmd: random.pick(opCmds), params: Array.from({ length: random.int(6) }, () => random.pick([group, random.text()])) },
      };
    case 4:
      return {
        pcode: Pcode.getGroupRequest,
        body: {
          configVersion: u32(),
          groupName: group,
          ...(random.int(2) ? { extension: { epoch: random.u64(), largeTableAccepted: random.int(2) === 1 } } : {}),
        },
      };
    case 5:
      return { pcode: Pcode.getServerTableRequest, body: { type: random.int(4), groupName: group } };
    case 6:
      return { pcode: Pcode.configServerHeartbeat, body: { serverId: random.u64(), loopCount: u32() } };
    case 7:
      return { pcode: Pcode.setMaster, body: { configVersion: u32(), value: random.int(4) } };
    case 8:
      return { pcode: Pcode.queryInfoRequest, body: { queryType: random.int(8), groupName: group, serverId: random.u64() } };
    case 9:
      return { pcode: Pcode.nonDownDataServersRequest, body: { configVersion: u32(), groupName: group } };
    case 10:
      return {
        pcode: Pcode.serverTable,
        body: { modifiedTimeS: random.int(2 ** 31), type: random.int(3), groupName: group, originalBytes: random.int(64), data: random.bytes(random.int(64)) },
      };
    case 11:
      return { pcode: Pcode.migrateFinish, body: { version: u32(), serverId: random.u64(), bucketIndex: random.int(2 ** 31) - 2 ** 30 } };
    case 12:
      return {
        pcode: Pcode.dataServerControlRequest,
        body: { serverIds: Array.from({ length: random.int(4) }, () => random.u64()), op: random.int(3), groupName: group },
      };
    default:
      return {
        pcode: random.pick([Pcode.groupNamesRequest, Pcode.migratingMachinesRequest]),
        body: random.int(2) ? { configVersion: u32(), value: 0 } : { serverId: random.u64() },
      } as Packet;
  }
}

function heartbeat(random: Random): HeartbeatRequest {
  const extension = random.int(2)
    ? {
        epoch: random.u64(),
        largeTableAccepted: random.int(2) === 1,
        ...(random.int(2) ? { otherConfigServer: random.pick(['reachable', 'unreachable'] as const) } : {}),
      }
    : undefined;
  return {
    serverFlag: random.int(256),
    serverId: random.u64() & ((1n << 63n) - 1n),
    notReady: random.int(2) === 1,
    transition: { version: random.int(2 ** 24), dataNeedMove: random.int(2) === 1, failovering: random.int(2) === 1, migrating: random.int(2) === 1 },
    configVersion: random.int(2 ** 32),
    recoveryVersion: random.int(2 ** 32),
    pullMigratedInfo: random.int(2) === 1,
    proxyBucketIndexes: Array.from({ length: random.int(4) }, () => random.int(2 ** 32)),
    pluginsVersion: random.int(2 ** 32),
    areaCapacityVersion: random.int(2 ** 32),
    areaCapacities: [],
    statBytes: random.bytes(random.int(16)),
    ...(extension ? { extension } : {}),
  };
}

/** FrameCases — an endless, reproducible stream of cases. */
export class FrameCases {
  private readonly random: Random;
  private channelId = 100;

  constructor(
    seed: number,
    private readonly captured: readonly Buffer[],
    private readonly groupNames: readonly string[],
  ) {
    this.random = new Random(seed);
  }

  /** next — the next case. */
  next(): FuzzFrame {
    const { random } = this;
    const channelId = this.channelId++ >>> 0;
    if (random.int(20) === 0) return { bytes: random.bytes(1 + random.int(200)), kind: 'random bytes', partial: true };
    const base = this.base(channelId);
    return this.mutate(base.bytes, base.kind);
  }

  private base(channelId: number): { bytes: Buffer; kind: string } {
    const { random } = this;
    if (this.captured.length > 0 && random.int(3) === 0) {
      const frame = Buffer.from(random.pick(this.captured));
      if (frame.length >= 8) frame.writeUInt32BE(channelId, 4);
      return { bytes: frame, kind: 'captured' };
    }
    const packet = generatedPacket(random, this.groupNames);
    let body: Buffer;
    try {
      body = encodeBody(packet);
    } catch {
      body = random.bytes(random.int(40));
    }
    if (random.int(6) === 0 && packet.pcode !== Pcode.heartbeatRequest && packet.pcode !== Pcode.getGroupRequest) {
      body = signBody(packet.pcode, body, random.bytes(16 + random.int(16)), Date.now() + random.int(120_000) - 60_000);
    }
    return { bytes: encodeFrame(channelId, packet.pcode, body), kind: `pcode ${packet.pcode}` };
  }

  private mutate(frame: Buffer, kind: string): FuzzFrame {
    const { random } = this;
    const bytes = Buffer.from(frame);
    switch (random.int(9)) {
      case 0:
      case 1:
      case 2:
        return { bytes, kind, partial: false };
      case 3: {
        for (let flips = 1 + random.int(8); flips > 0; flips--) {
          const at = 16 + random.int(Math.max(1, bytes.length - 16));
          if (at < bytes.length) bytes[at] ^= 1 << random.int(8);
        }
        return { bytes, kind: `${kind}, bits flipped`, partial: false };
      }
      case 4: {
        const cut = 16 + random.int(Math.max(1, bytes.length - 16));
        const body = bytes.subarray(16, cut);
        bytes.writeInt32BE(body.length, 12);
        return { bytes: Buffer.concat([bytes.subarray(0, 16), body]), kind: `${kind}, truncated`, partial: false };
      }
      case 5: {
        const extra = random.bytes(1 + random.int(64));
        bytes.writeInt32BE(bytes.length - 16 + extra.length, 12);
        return { bytes: Buffer.concat([bytes, extra]), kind: `${kind}, bytes appended`, partial: false };
      }
      case 6:
        bytes.writeInt32BE(random.pick([random.int(2000), 101, 104, 1102, 1103, 17, 1502, -1, 2 ** 31 - 1]), 8);
        return { bytes, kind: `${kind}, other pcode`, partial: false };
      case 7: {
        const declared = random.pick([bytes.length - 16 + 1 + random.int(1000), 64 * 1024 * 1024 + 1, -5, 2 ** 31 - 1]);
        bytes.writeInt32BE(declared | 0, 12);
        return { bytes, kind: `${kind}, lying length`, partial: true };
      }
      default:
        bytes.writeUInt32BE(random.int(2 ** 32), 0);
        return { bytes, kind: `${kind}, bad magic`, partial: true };
    }
  }
}
