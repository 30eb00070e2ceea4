/**
 * pcodes — the packet codes a Tair config server speaks and the return codes
 * its replies carry.
 *
 *   request                         → reply
 *   6    ping                       → 101 return
 *   9    heartbeat (data server)    → 104 heartbeat response
 *   16   op_cmd                     → 17  op_cmd response
 *   1002 get_group (client)         → 1102 get_group response
 *   1003 get server table (peer)    → 1103 server table (also pushed unsolicited)
 *   1004 config-server heartbeat    → 101 return
 *   1005 set master                 → 101 return
 *   1006 group names                → 1104 group names response
 *   1009 query_info                 → 1106 query_info response
 *   1012 non-down data servers      → 1112 non-down response
 *   1201 migrate finish             → 101 return
 *   1202 recovery finish            → 101 return
 *   1500 data-server control        → 1502 data-server control response
 *   1501 migrating machines         → 1302 migrating machines response
 */

/** Pcode — every packet code we encode or decode, by name. */
export const Pcode = {
  ping: 6,
  heartbeatRequest: 9,
  opCmdRequest: 16,
  opCmdResponse: 17,
  returnPacket: 101,
  heartbeatResponse: 104,
  getGroupRequest: 1002,
  getServerTableRequest: 1003,
  configServerHeartbeat: 1004,
  setMaster: 1005,
  groupNamesRequest: 1006,
  queryInfoRequest: 1009,
  nonDownDataServersRequest: 1012,
  getGroupResponse: 1102,
  serverTable: 1103,
  groupNamesResponse: 1104,
  queryInfoResponse: 1106,
  nonDownDataServersResponse: 1112,
  migrateFinish: 1201,
  recoveryFinish: 1202,
  migratingMachinesResponse: 1302,
  dataServerControlRequest: 1500,
  migratingMachinesRequest: 1501,
  dataServerControlResponse: 1502,
} as const;

/** Pcode — the numeric type of one of the codes above. */
export type Pcode = (typeof Pcode)[keyof typeof Pcode];

const pcodeNames = new Map<number, string>(Object.entries(Pcode).map(([name, code]) => [code, name]));

/** pcodeName — the name of a known pcode, or `pcode <n>` for any other, for log lines. */
export function pcodeName(pcode: number): string {
  return pcodeNames.get(pcode) ?? `pcode ${pcode}`;
}

/** isKnownPcode — whether we have a codec for this pcode. */
export function isKnownPcode(pcode: number): pcode is Pcode {
  return pcodeNames.has(pcode);
}

/**
 * ReturnCode — the `code` values of return packets (101) and op_cmd replies (17).
 * Finish packets (1201/1202) use 0 and 1 (the original's EXIT_FAILURE); a data server
 * retries a finish until the code is not 1.
 */
export const ReturnCode = {
  success: 0,
  finishRejected: 1,
  failed: -3999,
  invalidParam: -4201,
  groupNotFound: -4202,
  noMoreArea: -4203,
  areaExisted: -4204,
  areaNotExisted: -4205,
} as const;

/** ReturnCode — the numeric type of one of the codes above. */
export type ReturnCode = (typeof ReturnCode)[keyof typeof ReturnCode];
