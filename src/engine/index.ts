/**
 * tair-config-server/engine — the bucket-table engine as a library of its own.
 *
 * `Engine` runs on the calling thread; `WorkerEngine` runs the same operations in a worker.
 * Tables are copy-major Uint16Arrays of 1 + server position (0 = empty): see types.ts.
 */
export { Engine, type EngineOptions } from './engine.js';
export { WorkerEngine } from './worker-engine.js';
export { EngineAbort, type EngineVariant } from './wasm-module.js';
export { Outcome, Strategy, type StrategyName } from './outcome.js';
export type {
  BuildInput,
  BuildReport,
  MigrationPlan,
  QuickReport,
  ScanReport,
  ServerSpec,
  Table,
  TableStats,
} from './types.js';
