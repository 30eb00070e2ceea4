/**
 * flow — a small max-flow (Dinic) over arcs kept in scratch, for the few transportation
 * problems the builder solves exactly (C = 2 pair counts, rack-level fills).
 *
 *   node 0 = source, node 1 = sink, others numbered by the caller
 *   arc a: to[a], capacity[a] (residual), next[a] (list of its tail node); arc a ^ 1 is its reverse
 *
 * Every arc scanned is one step; a run stops when its step limit is reached (the flow found
 * so far stays valid: it only ever holds whole augmenting paths).
 */
import { spent, stepsAdd } from './budget';
import { scratchAlloc } from '../scratch';
import { u32Get, u32Set } from '../layout';

let nodeCount: u32 = 0;
let arcCount: u32 = 0;
let arcsMax: u32 = 0;
let headPtr: usize = 0;
let nextPtr: usize = 0;
let toPtr: usize = 0;
let capacityPtr: usize = 0;
let levelPtr: usize = 0;
let cursorPtr: usize = 0;
let queuePtr: usize = 0;
let stackPtr: usize = 0;
let limit: u64 = 0;
let searchPass: u32 = 0;

/** flowScratchBytes — scratch a network of `nodes` nodes and `arcs` arcs (each with its reverse) needs. */
export function flowScratchBytes(nodes: u64, arcs: u64): u64 {
  return (nodes + 1) * 4 * 5 + arcs * 2 * 4 * 3 + 128;
}

/** flowReset — an empty network of `nodes` nodes with room for `arcs` arcs. */
export function flowReset(nodes: u32, arcs: u32): void {
  nodeCount = nodes;
  arcCount = 0;
  arcsMax = arcs * 2;
  headPtr = scratchAlloc(<usize>nodes << 2);
  memory.fill(headPtr, 0xff, <usize>nodes << 2);
  nextPtr = scratchAlloc(<usize>arcsMax << 2);
  toPtr = scratchAlloc(<usize>arcsMax << 2);
  capacityPtr = scratchAlloc(<usize>arcsMax << 2);
  levelPtr = scratchAlloc(<usize>nodes << 2);
  cursorPtr = scratchAlloc(<usize>nodes << 2);
  queuePtr = scratchAlloc(<usize>nodes << 2);
  stackPtr = scratchAlloc(<usize>(nodes + 1) << 2);
}

/** flowArc — add an arc from → to with `capacity`; returns its index (its flow is flowOn(index)). */
export function flowArc(from: u32, to: u32, capacity: u32): u32 {
  assert(arcCount + 2 <= arcsMax, 'flow arcs over the reserved count');
  const arc = arcCount;
  link(arc, from, to, capacity);
  link(arc + 1, to, from, 0);
  arcCount += 2;
  return arc;
}

function link(arc: u32, from: u32, to: u32, capacity: u32): void {
  u32Set(toPtr, arc, to);
  u32Set(capacityPtr, arc, capacity);
  u32Set(nextPtr, arc, u32Get(headPtr, from));
  u32Set(headPtr, from, arc);
}

/** flowClose / flowOpen — take away an arc's spare capacity (its flow may still go back) / give it back up to `capacity`. */
export function flowClose(arc: u32): void {
  u32Set(capacityPtr, arc, 0);
}
export function flowOpen(arc: u32, capacity: u32): void {
  const carried = u32Get(capacityPtr, arc ^ 1);
  u32Set(capacityPtr, arc, capacity > carried ? capacity - carried : 0);
}

/** flowOn — the flow an arc carries (what its reverse arc could send back). */
export function flowOn(arc: u32): u32 {
  return u32Get(capacityPtr, arc ^ 1);
}

/** flowEnd — the end of an arc list. */
export const flowEnd: u32 = 0xffffffff;

/** flowFirstArc / flowNextArc / flowArcTo — walk the arcs leaving a node (forward arcs have even indexes). */
export function flowFirstArc(node: u32): u32 {
  return u32Get(headPtr, node);
}
export function flowNextArc(arc: u32): u32 {
  return u32Get(nextPtr, arc);
}
export function flowArcTo(arc: u32): u32 {
  return u32Get(toPtr, arc);
}

/**
 * flowRun — push as much as possible from node 0 to node 1 within `stepLimit` (search `pass`);
 * returns the flow added. With `maxLength`, only along paths of at most that many arcs.
 */
export function flowRun(stepLimit: u64, pass: u32, maxLength: u32 = u32.MAX_VALUE): u64 {
  limit = stepLimit;
  searchPass = pass;
  let total: u64 = 0;
  while (!spent(limit, searchPass) && levels() && u32Get(levelPtr, 1) <= maxLength) {
    memory.copy(cursorPtr, headPtr, <usize>nodeCount << 2);
    for (;;) {
      const pushed = augment();
      if (pushed == 0) break;
      total += pushed;
    }
  }
  return total;
}

// Breadth-first levels from the source over arcs with capacity; whether the sink is reached.
function levels(): bool {
  memory.fill(levelPtr, 0xff, <usize>nodeCount << 2);
  u32Set(levelPtr, 0, 0);
  u32Set(queuePtr, 0, 0);
  let head: u32 = 0;
  let tail: u32 = 1;
  while (head < tail) {
    const node = u32Get(queuePtr, head++);
    for (let arc = u32Get(headPtr, node); arc != 0xffffffff; arc = u32Get(nextPtr, arc)) {
      stepsAdd(1);
      const to = u32Get(toPtr, arc);
      if (u32Get(capacityPtr, arc) == 0 || u32Get(levelPtr, to) != 0xffffffff) continue;
      u32Set(levelPtr, to, u32Get(levelPtr, node) + 1);
      u32Set(queuePtr, tail++, to);
    }
  }
  return u32Get(levelPtr, 1) != 0xffffffff;
}

// One augmenting path along increasing levels (depth-first with per-node cursors, no
// recursion); pushes its bottleneck and returns it (0 when the level graph is blocked).
function augment(): u32 {
  let depth: u32 = 0;
  let node: u32 = 0;
  while (!spent(limit, searchPass)) {
    if (node == 1) {
      let bottleneck: u32 = u32.MAX_VALUE;
      for (let k: u32 = 0; k < depth; k++) bottleneck = min(bottleneck, u32Get(capacityPtr, u32Get(stackPtr, k)));
      for (let k: u32 = 0; k < depth; k++) {
        const arc = u32Get(stackPtr, k);
        u32Set(capacityPtr, arc, u32Get(capacityPtr, arc) - bottleneck);
        u32Set(capacityPtr, arc ^ 1, u32Get(capacityPtr, arc ^ 1) + bottleneck);
      }
      return bottleneck;
    }
    let arc = u32Get(cursorPtr, node);
    let advanced = false;
    for (; arc != 0xffffffff; arc = u32Get(nextPtr, arc)) {
      stepsAdd(1);
      const to = u32Get(toPtr, arc);
      if (u32Get(capacityPtr, arc) != 0 && u32Get(levelPtr, to) == u32Get(levelPtr, node) + 1) {
        advanced = true;
        break;
      }
    }
    u32Set(cursorPtr, node, arc);
    if (advanced) {
      u32Set(stackPtr, depth++, arc);
      node = u32Get(toPtr, arc);
      continue;
    }
    // Dead end: no path through this node in this phase; step back and skip the arc used.
    u32Set(levelPtr, node, 0xfffffffe);
    if (depth == 0) return 0;
    depth--;
    const back = u32Get(stackPtr, depth);
    node = u32Get(toPtr, back ^ 1);
    u32Set(cursorPtr, node, u32Get(nextPtr, back));
  }
  return 0;
}
