/**
 * limits — every maximum of the project, in one place, each with the reason it exists.
 *
 * The host checks these before any state changes (clear error, nothing lost); the engine
 * asserts the same bounds (assembly/limits.ts mirrors the engine's share of them, and
 * test/engine/module.test.ts checks that both sides agree).
 */

/** bucketCountMax — 2^24: the largest table we promise to build in seconds (XXL benchmark). */
export const bucketCountMax = 16_777_216;
/** copyCountMax — Tair deployments use 1..3; 8 keeps the per-bucket work tiny and fixed. */
export const copyCountMax = 8;
/** slotCountMax — B·C ≤ 2^26: three u32 tables of this size stay far below the 4 GiB Wasm memory. */
export const slotCountMax = 67_108_864;
/** serverCountMax — server indexes are u16 on the engine side (0 = empty slot). */
export const serverCountMax = 65_535;
/** rackCountMax — racks are dense u16 indexes; 4,096 is more racks than any real cluster has. */
export const rackCountMax = 4_096;
/** stepsPerSlotMax — an engine build's work in steps per slot (B·C), every pass and search budget together. */
export const stepsPerSlotMax = 512;
/** stepsPerServerMax — an engine build's steps per live server and rack (targets, sorts, per-server passes). */
export const stepsPerServerMax = 2_048;
/** stepsFixed — an engine build's steps beyond those (fixed parts of search budgets, the C = 2 pair design). */
export const stepsFixed = 33_554_432;
/** repeatCountMax — `tair-cs table build --repeat N` is for measuring: 1,000 builds of the largest table take minutes. */
export const repeatCountMax = 1_000;
/** weightMax — weights are relative; 1,000,000 keeps quota arithmetic exact in doubles. */
export const weightMax = 1_000_000;

/** tableJsonBytesMax — a `tair-cs table` JSON file of slotCountMax slots (≤ 6 chars each) stays under V8's string limit. */
export const tableJsonBytesMax = 500_000_000;

/** frameBytesMax — the original's tbnet frame limit (1 << 26). */
export const frameBytesMax = 64 * 1024 * 1024;
/** originalTableBlobBytesMax — compressed table size original peers accept (larger ones they drop). */
export const originalTableBlobBytesMax = 1_000_000;
/** groupNameBytesMax — the wire carries group names in a 64-byte NUL-padded field. */
export const groupNameBytesMax = 63;
/** pluginNameBytesMax — heartbeat replies carry plugin names behind a length the original caps at 255. */
export const pluginNameBytesMax = 255;
/** tableInflateBytesMax — a data server's view (current ‖ destination) of the largest table we build. */
export const tableInflateBytesMax = 2 * slotCountMax * 8;
/** connectionCountMax — one per data server and client plus headroom; each costs a socket. */
export const connectionCountMax = 20_000;

/** configFileBytesMax — group.conf is hand-written; 16 MiB is far beyond any real one. */
export const configFileBytesMax = 16 * 1024 * 1024;
/** configLineBytesMax — the original's line buffer. */
export const configLineBytesMax = 4096;
/** groupCountMax — groups are sections of group.conf, each with its own table. */
export const groupCountMax = 1_024;

/** rackNameBytesMax — a rack label (`ip@rack`) is a short name; longer is a paste error. */
export const rackNameBytesMax = 64;
/** areaCountMax — TAIR_MAX_AREA_COUNT: areas (namespaces) are 0..65535. */
export const areaCountMax = 65_536;
/** configProblemCountMax — past a thousand problems it is the wrong file; the report stays readable. */
export const configProblemCountMax = 1_000;
/** serverDownTimeSecondsMax — an hour without heartbeats is a dead server; longer is a typo. */
export const serverDownTimeSecondsMax = 3_600;
/** configHashHexCharsMax — a SHA-512 in hex; a longer hash in a table file is corruption. */
export const configHashHexCharsMax = 128;

/** dataKeyBytesMax — Tair's key limit (1 KiB); the reference data server refuses longer keys. */
export const dataKeyBytesMax = 1024;
/** dataValueBytesMax — Tair's value limit (1 MiB); keeps one put far below the frame limit. */
export const dataValueBytesMax = 1024 * 1024;
/** migrateBatchBytesMax — one migration batch frame; 4 MiB keeps a batch well under frameBytesMax. */
export const migrateBatchBytesMax = 4 * 1024 * 1024;

/** requestBodyBytesMax — requests to a config server are small (a heartbeat with statistics is ~3 KB). */
export const requestBodyBytesMax = 16 * 1024 * 1024;
/** replyBacklogBytesMax — replies queued for one peer that does not read; a table view is at most a few MB. */
export const replyBacklogBytesMax = 256 * 1024 * 1024;
/** idleConnectionMs — the original closes connections idle for 15 minutes. */
export const idleConnectionMs = 15 * 60_000;
/** peerTimeoutMsMin — below 100 ms a busy event loop alone would look like a dead peer (tests use 300+). */
export const peerTimeoutMsMin = 100;
/** peerTimeoutMsMax — a minute without a coordinator is already an outage; longer is a typo. */
export const peerTimeoutMsMax = 60_000;

/** migrationCapMax — a per-server cap on bucket copies in flight; past this many it caps nothing. */
export const migrationCapMax = 100_000;
/** retiredServerCountMax — removed, drained servers still answered "solitary"; as many as a group can list. */
export const retiredServerCountMax = 65_535;
/** statusEventCountMax — recent events kept for the status page; older ones are in the log. */
export const statusEventCountMax = 200;
/** httpConnectionCountMax — the status API serves a few operators and a scraper, not the data path. */
export const httpConnectionCountMax = 64;
/** adminParamCountMax — op_cmd parameters we read; the longest original command takes five. */
export const adminParamCountMax = 1_024;
/** tableJsonSlotCountMax — `GET /groups/{name}/table` as JSON stays a few tens of MB; bigger tables go as ?format=bin. */
export const tableJsonSlotCountMax = 2_097_152;

/** connectionsPerAddressMax — one address (a host) gets at most this many connections: a client host runs a few dozen processes; more is a leak or an attack. */
export const connectionsPerAddressMax = 4_096;
/** descriptorReserveCount — file descriptors kept free below RLIMIT_NOFILE for table files, the peer, HTTP and the engine worker. */
export const descriptorReserveCount = 256;
/** partialFrameBytesTotalMax — bytes of incomplete frames held for all connections together; past it, the largest holders are closed first. */
export const partialFrameBytesTotalMax = 256 * 1024 * 1024;
/** httpConnectionsPerAddressMax — a browser opens 6 connections; a few operators behind one address fit, one address cannot take them all. */
export const httpConnectionsPerAddressMax = 16;
/** httpHeadersTimeoutMs — a status request's headers arrive in one packet; 10 s is already generous. */
export const httpHeadersTimeoutMs = 10_000;
/** httpRequestTimeoutMs — the whole request (GET, no body) within 30 s. */
export const httpRequestTimeoutMs = 30_000;
/** httpTimeoutCheckMs — how often node:http looks for sockets past their timeouts (its default, 30 s, let slow clients hold sockets that long). */
export const httpTimeoutCheckMs = 1_000;

/** signatureWindowMs — a signed request's clock may differ from ours by this much (NTP keeps hosts within milliseconds). */
export const signatureWindowMs = 30_000;
/** signatureNonceCountMax — nonces remembered for replay checks: at most this many signed requests per two windows (the pair sends ~3 a second). */
export const signatureNonceCountMax = 65_536;
/** adminSecretBytesMin — an HMAC key shorter than 16 bytes is guessable. */
export const adminSecretBytesMin = 16;
/** adminSecretBytesMax — a secret file is a short key, not a document. */
export const adminSecretBytesMax = 4_096;
/** adminAllowEntryCountMax — an allow list names a few admin hosts and networks. */
export const adminAllowEntryCountMax = 1_024;
/** refusalLogKeyCountMax — sources whose refusals are rate-limited in the log; past it the table starts over. */
export const refusalLogKeyCountMax = 1_024;
/** refusalLogIntervalMs — one log line per source and reason this often; the metric counts every refusal. */
export const refusalLogIntervalMs = 10_000;

/** epochMax — an epoch grows by at most 2 per change of primary; 2^62 is never reached, and a takeover from it still fits u64. */
export const epochMax = 1n << 62n;
/** witnessCountMax — reports kept on the pair's witness board: one per data server listed in group.conf. */
export const witnessCountMax = serverCountMax;
/** planQueueCountMax — `admin plan` dry runs waiting for the engine; more are answered "busy". */
export const planQueueCountMax = 4;

/** etcdEndpointCountMax — an etcd cluster has 3 to 7 members; more endpoints than 16 is a paste error. */
export const etcdEndpointCountMax = 16;
/** configServerCountMax — config servers of one quorum-mode service: every data server heartbeats each, and 3 to 7 is the norm. */
export const configServerCountMax = 16;
/** etcdLeaseTtlMsMin — etcd grants leases in whole seconds, and never less than one. */
export const etcdLeaseTtlMsMin = 1000;
/** etcdLeaseTtlMsMax — a minute without a leader is already an outage; longer is a typo. */
export const etcdLeaseTtlMsMax = 60_000;
/** etcdPrefixBytesMax — the key prefix is a short path; every key we write starts with it. */
export const etcdPrefixBytesMax = 256;
/** etcdValueBytesMax — etcd refuses requests over 1.5 MiB by default (--max-request-bytes); 1 MiB leaves room for keys. */
export const etcdValueBytesMax = 1024 * 1024;
/** quorumRecordBytesMax — a change record larger than this (compressed) is written as a snapshot instead. */
export const quorumRecordBytesMax = 256 * 1024;
/** quorumSnapshotEveryMax — records between snapshots: a follower replays at most this many. */
export const quorumSnapshotEveryMax = 1024;
/** quorumSnapshotChunkCountMax — chunks of one snapshot: the largest table file compresses into far fewer. */
export const quorumSnapshotChunkCountMax = 1024;
/** viewHistoryVersionsMax — published changes kept for change sets; a peer further behind (a minute at one version per second) gets its view whole. */
export const viewHistoryVersionsMax = 64;
/** viewHistoryBytesMax — memory for those changes (two 2·C rows per changed bucket); past it the oldest go first. */
export const viewHistoryBytesMax = 64 * 1024 * 1024;
/** tableBacklogBytesMax — unsent reply bytes past which a connection gets no table content until it drains (a peer that stopped reading). */
export const tableBacklogBytesMax = 1024 * 1024;
/** deferredFinishCountMax — finish replies held until their save, per group: one per bucket in flight is plenty; past it a finish is answered "retry" (1). */
export const deferredFinishCountMax = 65_536;
/** migrationVersionIntervalMsMax — finished buckets wait at most this long for their version; longer would make data servers time out their finish. */
export const migrationVersionIntervalMsMax = 10_000;
/** logRecordCountMax — records in a table log before the next save writes whole tables (bounds replay at start). */
export const logRecordCountMax = 4_096;
/** logBytesFloor — a table log may always grow to this before a compaction is asked for (small tables). */
export const logBytesFloor = 1024 * 1024;
/** logRecordBytesMax — one record: the rows of every bucket (3·C u32 each plus its index) and a header; a longer length is corruption. */
export const logRecordBytesMax = 4 * (slotCountMax * 3 + bucketCountMax) + 2 * 1024 * 1024;
/** retryDelayMsMax — the longest pause between two tries of a finish, a reconnect or a table fetch (backoff cap). */
export const retryDelayMsMax = 5_000;
/** quorumInlineSlotCountMax — tables of up to this many slots (B·C) are checksummed, diffed and patched on the event loop: each pass is well under 1 ms, less than a worker round trip. */
export const quorumInlineSlotCountMax = 16_384;
/** quorumCopyStepBytes — bytes the event loop copies into shared memory per turn for the quorum codec worker: ≤ 1 ms even with fresh pages to fault in. */
export const quorumCopyStepBytes = 1024 * 1024;
/** tableContentBytesPerTurnMax — table content (views, change sets, whole blobs) heartbeat replies may carry per event-loop turn; past it a reply that would carry some waits for a later turn (≈15 whole views of ~68 KB at 1,048,576 × 3 on 1,000 servers, ~5 ms of encoding and writing: heartbeats queued behind it wait little, and a thousand views still go out within a beat or two). */
export const tableContentBytesPerTurnMax = 1024 * 1024;
/** contentDeferMsMax — how long a heartbeat reply may wait for a turn with content budget; past it it goes without and the data server gets the content at its next beat (half its 2 s request timeout: a shorter wait on a CPU-starved loop cost many servers a whole beat each). */
export const contentDeferMsMax = 1000;
