/**
 * plain-placement — a careful plain-JavaScript placement of the engine's problem, the
 * yardstick the Wasm engine must beat (bench/yardstick.ts times both in one run).
 *
 * Same constraints as the engine: C distinct servers per bucket, the copies of a bucket on
 * min(C, R) racks, replicas and masters within ±1 of their weighted quotas, and on a leave or
 * join only the moves the new counts need. Same table layout: slots[c·B + b] = 1 + position
 * (0 = empty). Typed arrays and flat loops throughout, nothing allocated per slot.
 *
 *   build  quotas by largest remainder; servers ordered rack by rack, each server's quota as
 *          one run of units; unit k goes to slot k (copy ⌊k/B⌋, bucket k mod B), so a run of
 *          at most B units never meets its bucket twice and a rack of at most B units never
 *          does either (the staircase); masters: per bucket, the copy whose server is furthest
 *          below its master quota, then one pass of role swaps for the rest
 *   leave  the dead server's slots go to servers under their new quota, preferring racks the
 *          bucket lacks; its master roles to the copy furthest below its master quota
 *   join   the new server takes slots from servers over their new quota, in buckets whose rack
 *          set allows it, then master roles from servers over their master quota
 */

/** PlainServer — a server as the yardstick sees it. */
export interface PlainServer {
  rack: number;
  weight: number;
  alive: boolean;
}

/** integerQuotas — whole quotas of `total` by weight among live servers, largest remainder first. */
export function integerQuotas(servers: PlainServer[], total: number, cap: number): Int32Array {
  const quotas = new Int32Array(servers.length);
  let weight = 0;
  for (const server of servers) if (server.alive) weight += server.weight;
  const fractions: number[] = [];
  let given = 0;
  for (let s = 0; s < servers.length; s++) {
    if (!servers[s].alive) continue;
    const exact = Math.min(cap, (total * servers[s].weight) / weight);
    quotas[s] = Math.floor(exact);
    given += quotas[s];
    if (quotas[s] < cap) fractions.push(s);
  }
  fractions.sort((a, b) => {
    const fa = (total * servers[a].weight) / weight - quotas[a];
    const fb = (total * servers[b].weight) / weight - quotas[b];
    return fb - fa || a - b;
  });
  for (let k = 0; given < total && fractions.length > 0; k = (k + 1) % fractions.length) {
    quotas[fractions[k]]++;
    given++;
  }
  return quotas;
}

/** plainBuild — a table from empty. */
export function plainBuild(bucketCount: number, copyCount: number, servers: PlainServer[]): Uint16Array {
  const slots = new Uint16Array(bucketCount * copyCount);
  const replicaQuota = integerQuotas(servers, bucketCount * copyCount, bucketCount);
  const order = servers
    .map((_, s) => s)
    .filter((s) => servers[s].alive)
    .sort((a, b) => servers[a].rack - servers[b].rack || a - b);
  let unit = 0;
  for (const s of order) {
    const end = unit + replicaQuota[s];
    for (; unit < end; unit++) slots[unit] = s + 1;
  }
  chooseMasters(bucketCount, copyCount, servers, slots);
  return slots;
}

/**
 * chooseMasters — the master of bucket b is its copy b mod C (every server's run then gives
 * about a C-th of its replicas as masters, its master quota), then role swaps settle the rest.
 */
export function chooseMasters(bucketCount: number, copyCount: number, servers: PlainServer[], slots: Uint16Array): void {
  const masterQuota = integerQuotas(servers, bucketCount, bucketCount);
  const masters = new Int32Array(servers.length);
  for (let b = 0; b < bucketCount; b++) {
    swapCopies(slots, bucketCount, b, 0, b % copyCount);
    masters[slots[b] - 1]++;
  }
  settleMasters(bucketCount, copyCount, servers, slots, masters, masterQuota);
}

// Role swaps while a master holds more than its real quota + 1 or a co-holder fewer than its
// real quota − 1 (the ±1 band), never pushing the other out of its band (a few passes at most).
function settleMasters(bucketCount: number, copyCount: number, servers: PlainServer[], slots: Uint16Array, masters: Int32Array, quota: Int32Array): void {
  let weight = 0;
  for (const server of servers) if (server.alive) weight += server.weight;
  const real = servers.map((server) => (server.alive ? (bucketCount * server.weight) / weight : 0));
  const low = real.map((value) => Math.ceil(value - 1 - 1e-9));
  const high = real.map((value) => Math.floor(value + 1 + 1e-9));
  for (let pass = 0; pass < 4; pass++) {
    let swapped = 0;
    for (let b = 0; b < bucketCount; b++) {
      const master = slots[b] - 1;
      if (master < 0) continue;
      for (let c = 1; c < copyCount; c++) {
        const other = slots[c * bucketCount + b] - 1;
        if (other < 0) continue;
        const masterTooMany = masters[master] > high[master] || (masters[master] > quota[master] && masters[other] < quota[other]);
        const otherTooFew = masters[other] < low[other];
        if (!(masterTooMany || otherTooFew) || masters[master] - 1 < low[master] || masters[other] + 1 > high[other]) continue;
        swapCopies(slots, bucketCount, b, 0, c);
        masters[master]--;
        masters[other]++;
        swapped++;
        break;
      }
    }
    if (swapped === 0) break;
  }
}

function swapCopies(slots: Uint16Array, bucketCount: number, bucket: number, x: number, y: number): void {
  const held = slots[x * bucketCount + bucket];
  slots[x * bucketCount + bucket] = slots[y * bucketCount + bucket];
  slots[y * bucketCount + bucket] = held;
}

function counts(bucketCount: number, serverCount: number, slots: Uint16Array): { replicas: Int32Array; masters: Int32Array } {
  const replicas = new Int32Array(serverCount);
  const masters = new Int32Array(serverCount);
  for (let k = 0; k < slots.length; k++) if (slots[k] > 0) replicas[slots[k] - 1]++;
  for (let b = 0; b < bucketCount; b++) if (slots[b] > 0) masters[slots[b] - 1]++;
  return { replicas, masters };
}

// Whether `server` may join bucket `b`: not in it, and its rack not yet in it while the bucket
// still lacks racks (`rackLimit`: the most copies of one rack a bucket may hold).
function fits(slots: Uint16Array, bucketCount: number, copyCount: number, b: number, server: number, servers: PlainServer[], rackLimit: number): boolean {
  let sameRack = 0;
  for (let c = 0; c < copyCount; c++) {
    const held = slots[c * bucketCount + b] - 1;
    if (held === server) return false;
    if (held >= 0 && servers[held].rack === servers[server].rack) sameRack++;
  }
  return sameRack < rackLimit;
}

/** plainLeave — the table after the dead servers' slots are refilled (`servers` marks them dead). */
export function plainLeave(bucketCount: number, copyCount: number, servers: PlainServer[], source: Uint16Array): Uint16Array {
  const slots = source.slice();
  const { replicas, masters } = counts(bucketCount, servers.length, slots);
  const quota = integerQuotas(servers, bucketCount * copyCount, bucketCount);
  const masterQuota = integerQuotas(servers, bucketCount, bucketCount);
  const live = servers.map((_, s) => s).filter((s) => servers[s].alive);
  const racks = new Set(live.map((s) => servers[s].rack)).size;
  const rackLimit = Math.max(1, Math.ceil(copyCount / racks));
  const orphaned: number[] = [];
  const relayCursor = { at: 0 };
  let cursor = 0;
  for (let k = 0; k < slots.length; k++) {
    const held = slots[k] - 1;
    if (held < 0 || servers[held].alive) continue;
    const b = k % bucketCount;
    slots[k] = 0;
    // The fitting server furthest below its quota (ties: the next after the last one chosen).
    let placed = -1;
    for (let tried = 0; tried < live.length; tried++) {
      const s = live[(cursor + tried) % live.length];
      if (replicas[s] >= quota[s] || (placed >= 0 && quota[s] - replicas[s] <= quota[placed] - replicas[placed])) continue;
      if (fits(slots, bucketCount, copyCount, b, s, servers, rackLimit)) placed = s;
    }
    if (placed >= 0) cursor = (live.indexOf(placed) + 1) % live.length;
    if (k < bucketCount) {
      masters[held]--;
      orphaned.push(b);
    }
    // No free server fits: relay through one that does, keeping the rack spread, else without it.
    if (placed < 0) placed = relay(bucketCount, copyCount, servers, slots, k, live, replicas, quota, rackLimit, relayCursor);
    if (placed < 0) placed = relay(bucketCount, copyCount, servers, slots, k, live, replicas, quota, copyCount, relayCursor);
    if (placed < 0) continue;
    slots[k] = placed + 1;
    replicas[placed]++;
  }
  // The dead masters' buckets: the copy whose server most lacks master roles takes the role.
  for (const b of orphaned) {
    let best = 0;
    for (let c = 1; c < copyCount; c++) {
      const s = slots[c * bucketCount + b] - 1;
      const bestServer = slots[best * bucketCount + b] - 1;
      if (s >= 0 && (bestServer < 0 || masterQuota[s] - masters[s] > masterQuota[bestServer] - masters[bestServer])) best = c;
    }
    swapCopies(slots, bucketCount, b, 0, best);
    if (slots[b] > 0) masters[slots[b] - 1]++;
  }
  settleMasters(bucketCount, copyCount, servers, slots, masters, masterQuota);
  return slots;
}

/**
 * relay — when no server under its quota fits slot k, a server x that fits k hands one of its
 * non-master slots (in a bucket where an under-quota server u fits) to u, and takes k: one
 * extra move. The scan resumes where the last relay stopped (`cursor`), so relays cost a few
 * buckets each on average and one pass over the table at most. Returns x, or -1.
 */
function relay(
  bucketCount: number,
  copyCount: number,
  servers: PlainServer[],
  slots: Uint16Array,
  k: number,
  live: number[],
  replicas: Int32Array,
  quota: Int32Array,
  rackLimit: number,
  cursor: { at: number },
): number {
  const b = k % bucketCount;
  const span = slots.length - bucketCount;
  const under = live.filter((s) => replicas[s] < quota[s]);
  for (let looked = 0; looked < span; looked++) {
    const k2 = bucketCount + ((cursor.at + looked) % span);
    const x = slots[k2] - 1;
    const b2 = k2 % bucketCount;
    if (x < 0 || b2 === b || !fits(slots, bucketCount, copyCount, b, x, servers, rackLimit)) continue;
    slots[k2] = 0;
    let u = -1;
    for (const s of under) {
      if (fits(slots, bucketCount, copyCount, b2, s, servers, rackLimit)) {
        u = s;
        break;
      }
    }
    if (u < 0) {
      slots[k2] = x + 1;
      continue;
    }
    cursor.at = (cursor.at + looked + 1) % span;
    slots[k2] = u + 1;
    replicas[u]++;
    replicas[x]--;
    return x;
  }
  return -1;
}

/** plainJoin — the table after the servers under their quota (the new ones) take slots from those over it. */
export function plainJoin(bucketCount: number, copyCount: number, servers: PlainServer[], source: Uint16Array): Uint16Array {
  const slots = new Uint16Array(bucketCount * copyCount);
  slots.set(source);
  const { replicas, masters } = counts(bucketCount, servers.length, slots);
  const quota = integerQuotas(servers, bucketCount * copyCount, bucketCount);
  const masterQuota = integerQuotas(servers, bucketCount, bucketCount);
  const takers = servers.map((_, s) => s).filter((s) => servers[s].alive && replicas[s] < quota[s]);
  const racks = new Set(servers.filter((server) => server.alive).map((server) => server.rack)).size;
  const rackLimit = Math.max(1, Math.ceil(copyCount / racks));
  // Two passes: from servers over their quota, then (where the rack spread kept those from
  // giving) from servers at it.
  for (let round = 0; round < 2; round++) {
    for (const taker of takers) takeSlots(bucketCount, copyCount, servers, slots, taker, replicas, masters, quota, rackLimit, round);
  }
  // Master roles: a taker under its master quota takes the role in buckets it holds from an over-quota master.
  for (const taker of takers) {
    for (let k = bucketCount; k < slots.length && masters[taker] < masterQuota[taker]; k++) {
      if (slots[k] - 1 !== taker) continue;
      const b = k % bucketCount;
      const master = slots[b] - 1;
      if (masters[master] <= masterQuota[master]) continue;
      swapCopies(slots, bucketCount, b, 0, Math.floor(k / bucketCount));
      masters[master]--;
      masters[taker]++;
    }
  }
  settleMasters(bucketCount, copyCount, servers, slots, masters, masterQuota);
  return slots;
}

// The taker takes slots (one pass over the table) from givers over their quota (round 0) or at
// least at it (round 1), where it fits the bucket.
function takeSlots(
  bucketCount: number,
  copyCount: number,
  servers: PlainServer[],
  slots: Uint16Array,
  taker: number,
  replicas: Int32Array,
  masters: Int32Array,
  quota: Int32Array,
  rackLimit: number,
  round: number,
): void {
  for (let k = 0; k < slots.length && replicas[taker] < quota[taker]; k++) {
    const giver = slots[k] - 1;
    if (giver < 0 || giver === taker || replicas[giver] < quota[giver] + 1 - round) continue;
    const b = k % bucketCount;
    slots[k] = 0;
    if (!fits(slots, bucketCount, copyCount, b, taker, servers, rackLimit)) {
      slots[k] = giver + 1;
      continue;
    }
    slots[k] = taker + 1;
    replicas[giver]--;
    replicas[taker]++;
    if (k < bucketCount) {
      masters[giver]--;
      masters[taker]++;
    }
  }
}
