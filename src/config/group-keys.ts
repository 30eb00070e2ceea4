/**
 * group-keys — the keys of a group.conf section, with the original's defaults.
 *
 * Keys starting with `_` are configuration and must be one of these; every other key goes,
 * first value only, into the group's common map handed to clients.
 */

/** groupDefaults — the value each key takes when the section does not set it. */
export const groupDefaults = {
  bucketCount: 1023,
  copyCount: 1,
  /** dataMove — the code default is 1 (share/group.conf.default wrongly says 0). */
  dataMove: true,
  /** minDataServerCount — 0 means "the copy count". */
  minDataServerCount: 0,
  buildStrategy: 1,
  buildDiffRatio: 0.6,
  /** posMask — 0xffff: the rack is the first two octets `a.b`. */
  posMask: 0xffffn,
  acceptStrategy: 0,
  allowFailoverServer: false,
  serverDownTimeSeconds: 4,
  allowLostFlag: false,
  bucketPlacementFlag: false,
  preLoadFlag: false,
  /** minConfigVersion — TAIR_CONFIG_MIN_VERSION; lower values are raised to it. */
  minConfigVersion: 10,
  alwaysUpdateCapacityInfo: false,
  reportIntervalSeconds: 5,
} as const;

/** multiValueGroupKeys — keys that may repeat; their values accumulate in file order. */
export const multiValueGroupKeys: readonly string[] = ['_server_list', '_areaCapacity_list', '_areaKey_list', '_plugIns_list'];

/** scalarGroupKeys — keys that may appear once per section (a repeat is reported, not ignored). */
export const scalarGroupKeys: readonly string[] = [
  '_copy_count',
  '_bucket_number',
  '_data_move',
  '_min_data_server_count',
  '_build_strategy',
  '_build_diff_ratio',
  '_pos_mask',
  '_accept_strategy',
  '_allow_failover_server',
  '_server_down_time',
  '_allow_lost_flag',
  '_bucket_placement_flag',
  '_pre_load_flag',
  '_always_update_capacity_info',
  '_min_config_version',
  '_report_interval',
  'tmp_down_server',
];

/** knownGroupKeys — every key the config server interprets. */
export const knownGroupKeys: readonly string[] = [...multiValueGroupKeys, ...scalarGroupKeys];
