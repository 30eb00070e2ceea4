/**
 * agent — the library a data server embeds (`tair-config-server/agent`): heartbeats, table
 * tracking, bucket plans and migrate-finish reporting.
 */
export { DataServerAgent } from './data-server-agent.js';
export type { DataServerAgentOptions, DataServerAgentEvents, TableChange, AgentCounters } from './data-server-agent.js';
export { AgentCore } from './agent-core.js';
export type { AgentEvent, AgentVersions } from './agent-core.js';
export { planBuckets, currentRow, destinationRow, migrationTargets, needsMigration } from './bucket-plan.js';
export { AgentView } from './agent-view.js';
export type { AgentTables, BucketPlan, MigrationTask } from './bucket-plan.js';
export { ConfigServerPair } from './config-server-pair.js';
