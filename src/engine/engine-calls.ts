/**
 * engine-calls — each operation as a prepared call: write inputs into linear memory,
 * name the export and its scalar arguments, and read the outputs back afterwards.
 *
 * Splitting "prepare" from "finish" lets the same code drive the engine on this thread
 * (Engine) or in a worker sharing the memory (WorkerEngine).
 */
import { canonicalOrder, remapSlots } from './canonical-order.js';
import { BuildResultWord, Outcome, QuickResultWord, Strategy, outcomeName, spentPassNames } from './outcome.js';
import { RegionPlanner } from './region-planner.js';
import type { EngineExports } from './wasm-module.js';
import type { BuildInput, BuildReport, MigrationPlan, QuickReport, ScanReport, ServerSpec, Table, TableStats } from './types.js';
import { checkServerNumbers, validateServers, validateShape, validateTableShape } from './validate-input.js';
import { InputError } from '../errors.js';

/** EngineCore — one instance and its memory. */
export interface EngineCore {
  memory: WebAssembly.Memory;
  heapBase: number;
  /** sizes — the exports that size scratch (pure and cheap, always called on this thread). */
  exports: Pick<EngineExports, 'buildScratchBytes' | 'quickScratchBytes' | 'statsScratchBytes' | 'maxServerIndex'>;
}

/**
 * PreparedCall — an export to call with these arguments, then `finish` with its return value.
 * `output`, when set, names a u16 region the caller may copy out itself (a worker does, so
 * the copy of a big table costs its thread, not the caller's) and pass to `finish`.
 */
export interface PreparedCall<R> {
  fn: 'buildTable' | 'quickTable' | 'scanTable' | 'diffTables' | 'tableStats';
  args: number[];
  output?: { at: number; count: number };
  /** progress — where a build publishes its step count (two u32 words) while it runs, and its B·C. */
  progress?: { stepsAt: number; slots: number };
  finish(returned: number, output?: Uint16Array): R;
}

/** prepareBuild — a full build (see assembly/builder/build.ts). */
export function prepareBuild(core: EngineCore, input: BuildInput): PreparedCall<BuildReport> {
  const { bucketCount, copyCount, servers } = input;
  validateShape(bucketCount, copyCount);
  validateServers(servers);
  if (input.source) {
    validateTableShape(input.source, 'source');
    if (input.source.bucketCount !== bucketCount || input.source.copyCount !== copyCount) {
      throw new InputError('source table shape differs from bucketCount/copyCount');
    }
  }
  const strategy = Strategy[input.strategy ?? 'balanced'];
  if (strategy === undefined) throw new InputError(`unknown strategy '${input.strategy}'`);
  const diffRatio = input.diffRatio ?? 0.6;
  if (!(diffRatio > 0 && diffRatio <= 1)) throw new InputError(`diff ratio ${diffRatio} is outside (0, 1]`);
  const seed = (input.seed ?? 0) >>> 0;
  const order = canonicalOrder(servers);
  const slotCount = bucketCount * copyCount;
  const serverCount = servers.length;
  const planner = new RegionPlanner(core.memory, core.heapBase);
  const sourceAt = planner.reserve(slotCount * 2);
  const targetAt = planner.reserve(slotCount * 2);
  const serverArrays = reserveServerArrays(planner, serverCount);
  const resultAt = planner.reserve(BuildResultWord.words * 4);
  const scratchBytes = core.exports.buildScratchBytes(bucketCount, copyCount, serverCount, order.rackCount);
  const scratchAt = planner.reserve(scratchBytes);
  planner.commit();
  const buffer = core.memory.buffer;
  const source = new Uint16Array(buffer, sourceAt, slotCount);
  // Whether the source names only listed servers is checked by the engine as it reads it.
  if (input.source) {
    copyIn(core, sourceAt, input.source.slots);
    if (!order.identity) {
      checkServerNumbers(core.exports.maxServerIndex(sourceAt, slotCount), serverCount, 'source');
      remapSlots(source.slice(), order.toCanonical, false, source);
    }
  }
  writeServerArrays(buffer, serverArrays, order.sorted, order.rackIndex);
  return {
    fn: 'buildTable',
    args: [
      bucketCount,
      copyCount,
      serverCount,
      order.rackCount,
      strategy,
      Math.round(diffRatio * 1e6),
      seed,
      sourceAt,
      targetAt,
      serverArrays.rackAt,
      serverArrays.weightAt,
      serverArrays.aliveAt,
      scratchAt,
      scratchBytes,
      resultAt,
      input.source ? 0 : 1,
    ],
    output: { at: targetAt, count: slotCount },
    progress: { stepsAt: resultAt + BuildResultWord.stepsLow * 4, slots: slotCount },
    finish(outcome: number, output?: Uint16Array): BuildReport {
      if (outcome === Outcome.invalidSource) {
        // Name the offending server the same way the other operations do.
        checkServerNumbers(core.exports.maxServerIndex(sourceAt, slotCount), serverCount, 'source');
        throw new InputError(`source table names a server past the ${serverCount} listed`);
      }
      const words = new Uint32Array(core.memory.buffer, resultAt, BuildResultWord.words);
      let slots: Uint16Array;
      if (outcome !== Outcome.ok) slots = input.source ? input.source.slots.slice() : new Uint16Array(slotCount);
      else if (order.identity) slots = output ?? copyOut(core, targetAt, slotCount);
      else remapSlots(output ?? copyOut(core, targetAt, slotCount), order.toCaller, false, (slots = new Uint16Array(slotCount)));
      return {
        ok: outcome === Outcome.ok,
        outcome: outcomeName(outcome),
        strategyUsed: words[BuildResultWord.strategyUsed] === Strategy.rack ? 'rack' : 'balanced',
        table: { bucketCount, copyCount, slots },
        replicaMoves: words[BuildResultWord.replicaMoves],
        masterChanges: words[BuildResultWord.masterChanges],
        minimumReplicaMoves: words[BuildResultWord.minimumReplicaMoves],
        minimumMasterChanges: words[BuildResultWord.minimumMasterChanges],
        rackSpreadShort: words[BuildResultWord.rackSpreadShort],
        rackShortBuckets: words[BuildResultWord.rackSpreadShort],
        rackShortBound: words[BuildResultWord.rackShortBound],
        rackSpreadFeasible: words[BuildResultWord.rackSpreadFeasible] === 1,
        sameServer: words[BuildResultWord.sameServer],
        emptySlots: words[BuildResultWord.emptySlots],
        repairSwaps: words[BuildResultWord.repairSwaps],
        partnerSwaps: words[BuildResultWord.partnerSwaps],
        partnerExcessMax: copyCount === 2 && outcome === Outcome.ok ? words[BuildResultWord.partnerExcessMax] | 0 : null,
        steps: words[BuildResultWord.stepsLow] + words[BuildResultWord.stepsHigh] * 2 ** 32,
        budgetSpent: words[BuildResultWord.budgetSpent] !== 0,
        spentIn: spentPassNames(words[BuildResultWord.budgetSpent]),
        unchangedFromSource: words[BuildResultWord.unchangedFromSource] === 1,
        buildMs: 0,
      };
    },
  };
}

/** prepareQuick — the quick table of `table` with the servers' alive flags. */
export function prepareQuick(core: EngineCore, table: Table, servers: ServerSpec[], allowLost: boolean): PreparedCall<QuickReport> {
  validateServers(servers);
  validateTableShape(table, 'current');
  const { bucketCount, copyCount } = table;
  const slotCount = bucketCount * copyCount;
  const planner = new RegionPlanner(core.memory, core.heapBase);
  const tableAt = planner.reserve(slotCount * 2);
  const aliveAt = planner.reserve(servers.length + 1);
  const resultAt = planner.reserve(QuickResultWord.words * 4);
  const scratchBytes = core.exports.quickScratchBytes(servers.length);
  const scratchAt = planner.reserve(scratchBytes);
  planner.commit();
  copyIn(core, tableAt, table.slots);
  checkServerNumbers(core.exports.maxServerIndex(tableAt, slotCount), servers.length, 'current');
  writeAlive(core.memory.buffer, aliveAt, servers);
  return {
    fn: 'quickTable',
    args: [bucketCount, copyCount, servers.length, tableAt, aliveAt, allowLost ? 1 : 0, scratchAt, scratchBytes, resultAt],
    finish(outcome: number): QuickReport {
      const words = new Uint32Array(core.memory.buffer, resultAt, QuickResultWord.words);
      const slots = outcome === Outcome.ok ? copyOut(core, tableAt, slotCount) : table.slots.slice();
      return {
        ok: outcome === Outcome.ok,
        outcome: outcomeName(outcome),
        table: { bucketCount, copyCount, slots },
        promotions: words[QuickResultWord.promotions],
        clearedSlots: words[QuickResultWord.clearedSlots],
        lostBuckets: words[QuickResultWord.lostBuckets],
      };
    },
  };
}

/** prepareScan — slots that force a rebuild. */
export function prepareScan(core: EngineCore, table: Table, servers: ServerSpec[]): PreparedCall<ScanReport> {
  validateTableShape(table, 'scanned');
  const { bucketCount, copyCount } = table;
  const slotCount = bucketCount * copyCount;
  const planner = new RegionPlanner(core.memory, core.heapBase);
  const tableAt = planner.reserve(slotCount * 2);
  const aliveAt = planner.reserve(servers.length + 1);
  const resultAt = planner.reserve((1 + 2 * copyCount) * 4);
  planner.commit();
  copyIn(core, tableAt, table.slots);
  checkServerNumbers(core.exports.maxServerIndex(tableAt, slotCount), servers.length, 'scanned');
  writeAlive(core.memory.buffer, aliveAt, servers);
  return {
    fn: 'scanTable',
    args: [bucketCount, copyCount, servers.length, tableAt, aliveAt, resultAt],
    finish(): ScanReport {
      const words = new Uint32Array(core.memory.buffer, resultAt, 1 + 2 * copyCount);
      const perCopy = [];
      for (let c = 0; c < copyCount; c++) {
        const first = words[2 + 2 * c];
        perCopy.push({ count: words[1 + 2 * c], firstBucket: first === 0xffffffff ? null : first });
      }
      return { total: words[0], perCopy };
    },
  };
}

/** prepareDiff — the migration plan from `current` to `target` over `serverCount` servers. */
export function prepareDiff(core: EngineCore, current: Table, target: Table, serverCount: number): PreparedCall<MigrationPlan> {
  validateTableShape(current, 'current');
  validateTableShape(target, 'target');
  if (current.bucketCount !== target.bucketCount || current.copyCount !== target.copyCount) {
    throw new InputError('current and target tables differ in shape');
  }
  const { bucketCount, copyCount } = current;
  const slotCount = bucketCount * copyCount;
  const planner = new RegionPlanner(core.memory, core.heapBase);
  const currentAt = planner.reserve(slotCount * 2);
  const targetAt = planner.reserve(slotCount * 2);
  const flagsAt = planner.reserve(bucketCount);
  const receiversAt = planner.reserve(slotCount * 2);
  const perSourceAt = planner.reserve((serverCount + 1) * 4);
  planner.commit();
  copyIn(core, currentAt, current.slots);
  copyIn(core, targetAt, target.slots);
  checkServerNumbers(core.exports.maxServerIndex(currentAt, slotCount), serverCount, 'current');
  checkServerNumbers(core.exports.maxServerIndex(targetAt, slotCount), serverCount, 'target');
  return {
    fn: 'diffTables',
    args: [bucketCount, copyCount, serverCount, currentAt, targetAt, flagsAt, receiversAt, perSourceAt],
    finish(bucketsToMigrate: number): MigrationPlan {
      const buffer = core.memory.buffer;
      return {
        bucketsToMigrate,
        flags: new Uint8Array(buffer, flagsAt, bucketCount).slice(),
        receivers: new Uint16Array(buffer, receiversAt, slotCount).slice(),
        perSource: new Uint32Array(buffer, perSourceAt, serverCount + 1).slice(),
      };
    },
  };
}

/** prepareStats — replicas and masters per server, and spread violations. */
export function prepareStats(core: EngineCore, table: Table, servers: ServerSpec[]): PreparedCall<TableStats> {
  validateServers(servers);
  validateTableShape(table, 'measured');
  const { bucketCount, copyCount } = table;
  const slotCount = bucketCount * copyCount;
  const order = canonicalOrder(servers);
  // Stats are per caller position: give the engine the caller's order with caller rack numbers.
  const rackIndex = new Uint16Array(servers.length + 1);
  for (let position = 0; position < servers.length; position++) {
    rackIndex[position + 1] = order.rackIndex[order.toCanonical[position + 1]];
  }
  const planner = new RegionPlanner(core.memory, core.heapBase);
  const tableAt = planner.reserve(slotCount * 2);
  const aliveAt = planner.reserve(servers.length + 1);
  const rackAt = planner.reserve((servers.length + 1) * 2);
  const replicasAt = planner.reserve((servers.length + 1) * 4);
  const mastersAt = planner.reserve((servers.length + 1) * 4);
  const resultAt = planner.reserve(8 * 4);
  const scratchBytes = core.exports.statsScratchBytes(order.rackCount);
  const scratchAt = planner.reserve(scratchBytes);
  planner.commit();
  const buffer = core.memory.buffer;
  copyIn(core, tableAt, table.slots);
  checkServerNumbers(core.exports.maxServerIndex(tableAt, slotCount), servers.length, 'measured');
  writeAlive(buffer, aliveAt, servers);
  new Uint16Array(buffer, rackAt, servers.length + 1).set(rackIndex);
  return {
    fn: 'tableStats',
    args: [bucketCount, copyCount, servers.length, order.rackCount, tableAt, aliveAt, rackAt, replicasAt, mastersAt, resultAt, scratchAt, scratchBytes],
    finish(): TableStats {
      const view = core.memory.buffer;
      const words = new Uint32Array(view, resultAt, 8);
      return {
        replicas: new Uint32Array(view, replicasAt, servers.length + 1).slice(),
        masters: new Uint32Array(view, mastersAt, servers.length + 1).slice(),
        emptySlots: words[0],
        sameServer: words[1],
        rackSpreadShort: words[2],
        racksAlive: words[3],
        slotsOnDeadServers: words[4],
      };
    },
  };
}

// Copies into shared memory are fast with typed-array set. Copies out go into a buffer that
// is not zeroed first (every byte is overwritten at once): zeroing and faulting in a fresh
// 6 MiB array costs several times the copy itself.
function copyIn(core: EngineCore, at: number, slots: Uint16Array): void {
  new Uint8Array(core.memory.buffer, at, slots.byteLength).set(new Uint8Array(slots.buffer, slots.byteOffset, slots.byteLength));
}

function copyOut(core: EngineCore, at: number, count: number): Uint16Array {
  const bytes = Buffer.allocUnsafeSlow(count * 2);
  bytes.set(new Uint8Array(core.memory.buffer, at, count * 2));
  return new Uint16Array(bytes.buffer, bytes.byteOffset, count);
}

interface ServerArrays {
  aliveAt: number;
  rackAt: number;
  weightAt: number;
}

function reserveServerArrays(planner: RegionPlanner, serverCount: number): ServerArrays {
  return {
    aliveAt: planner.reserve(serverCount + 1),
    rackAt: planner.reserve((serverCount + 1) * 2),
    weightAt: planner.reserve((serverCount + 1) * 4),
  };
}

function writeServerArrays(buffer: ArrayBufferLike, at: ServerArrays, sorted: ServerSpec[], rackIndex: Uint16Array): void {
  const alive = new Uint8Array(buffer, at.aliveAt, sorted.length + 1);
  const rack = new Uint16Array(buffer, at.rackAt, sorted.length + 1);
  const weight = new Uint32Array(buffer, at.weightAt, sorted.length + 1);
  alive[0] = 0;
  rack[0] = 0;
  weight[0] = 0;
  sorted.forEach((server, k) => {
    alive[k + 1] = server.alive ? 1 : 0;
    rack[k + 1] = rackIndex[k + 1];
    weight[k + 1] = server.weight;
  });
}

function writeAlive(buffer: ArrayBufferLike, aliveAt: number, servers: ServerSpec[]): void {
  const alive = new Uint8Array(buffer, aliveAt, servers.length + 1);
  alive[0] = 0;
  servers.forEach((server, position) => {
    alive[position + 1] = server.alive ? 1 : 0;
  });
}
