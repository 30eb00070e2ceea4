/**
 * group-config — the resolved configuration of one group (one section of group.conf).
 *
 * Every value here is final: defaults applied, derived values computed, so the
 * rest of the system never looks at raw text.
 */

/** ServerConfig — one data server of a group, from `_server_list`. */
export interface ServerConfig {
  /** id — `ip:port`, the name the outside world uses. */
  id: string;
  /** serverId — Tair's u64 id: `(port << 32) | littleEndianIpv4`. */
  serverId: bigint;
  /** rack — from `@rack`, else the `_pos_mask` rack as a masked dotted address (`10.0`). */
  rack: string;
  /** weight — from `*weight`, default 1: relative share of buckets. */
  weight: number;
  /** line — where the server is listed. */
  line: number;
}

/** BuildStrategy — 1 balanced, 2 rack-aware, 3 choose per rebuild (as the original). */
export type BuildStrategy = 1 | 2 | 3;

/** AcceptStrategy — 0 keeps a returning server out until an operator acts, 1 admits it. */
export type AcceptStrategy = 0 | 1;

/** GroupConfig — one group with every key resolved. */
export interface GroupConfig {
  name: string;
  /** line — line of the `[name]` header. */
  line: number;
  bucketCount: number;
  copyCount: number;
  servers: ServerConfig[];
  /** dataMove — `_data_move`; always true when copyCount > 1, as in the original. */
  dataMove: boolean;
  /** minDataServerCount — `_min_data_server_count` resolved: fraction applied, raised to copyCount. */
  minDataServerCount: number;
  buildStrategy: BuildStrategy;
  buildDiffRatio: number;
  /** posMask — `_pos_mask`, 0 replaced by the default 0xffff. */
  posMask: bigint;
  acceptStrategy: AcceptStrategy;
  allowFailoverServer: boolean;
  serverDownTimeMs: number;
  allowLostFlag: boolean;
  bucketPlacementFlag: boolean;
  preLoadFlag: boolean;
  /** tmpDownServers — `tmp_down_server` as `ip:port`; empty unless preLoadFlag (as the original). */
  tmpDownServers: string[];
  /** areaCapacities — area number to quota in bytes, from `_areaCapacity_list`. */
  areaCapacities: Map<number, bigint>;
  /** areaKeys — area name to area number, from `_areaKey_list`. */
  areaKeys: Map<string, number>;
  plugins: string[];
  /** minConfigVersion — floor of every version increment, at least 10. */
  minConfigVersion: number;
  alwaysUpdateCapacityInfo: boolean;
  /** commonMap — every key not starting with `_`, first value; handed to clients. */
  commonMap: Map<string, string>;
  /** contentHash — hex hash of this section's keys and values (comments and blanks ignored). */
  contentHash: string;
  /** keyLines — the line where each key first appears, for problems found later (B/C checks). */
  keyLines: Map<string, number>;
}
