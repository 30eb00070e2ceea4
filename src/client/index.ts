/**
 * client — the client library (`tair-config-server/client`): fetch a group's table from the
 * config servers, map keys to buckets and servers as Tair does, and put/get/remove against the
 * reference data server (docs/data-protocol.md).
 */
export { TairClient, TairRequestError } from './tair-client.js';
export type { TairClientOptions, ClientStats } from './tair-client.js';
export { ClientTable } from './client-table.js';
export type { TableSummary } from './client-table.js';
export { tairHash, bucketOfKey } from './tair-hash.js';
export { formatServerId } from '../common/server-id.js';
export { fetchGroupTable, GroupFetchError, minValidVersion } from './group-fetch.js';
export type { GroupFetchOptions, GroupFetchResult } from './group-fetch.js';
export { FrameConnection, FrameConnectionError } from './frame-connection.js';
export { DataPcode, DataCode } from './data-protocol.js';
export type { DataRequest, DataReply, KeyValueBytes } from './data-protocol.js';
