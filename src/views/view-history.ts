/**
 * view-history — the last published changes of a group, so a peer that holds an older version
 * gets only what changed since (bounded: older than that, it gets its view or table whole):
 *
 *   version v0 ──delta 1──▶ v1 ──delta 2──▶ v2 … ──delta n──▶ latest
 *   delta: the buckets whose rows changed (ascending) with each row before and after (2·C indexes)
 *
 * A version is the pair (server version, client version): together they name one published
 * data-server view (a destination change bumps the server version, a current change the client
 * version); the client version alone names the client table.
 */
import { viewHistoryBytesMax, viewHistoryVersionsMax } from '../limits.js';

/** VersionPair — the versions that name one published state. */
export interface VersionPair {
  server: number;
  client: number;
}

/** ViewDelta — one publication's changed rows. */
export interface ViewDelta {
  from: VersionPair;
  to: VersionPair;
  bucketIndexes: Uint32Array;
  /** before / after — 2·C indexes per bucket, in the order of `bucketIndexes`. */
  before: Uint32Array;
  after: Uint32Array;
  /** touching — lazily: server index → positions (into bucketIndexes) of rows that name it before or after. */
  touching?: Map<number, number[]>;
}

/** ViewHistory — see the file comment. */
export class ViewHistory {
  private deltas: ViewDelta[] = [];
  private bytes = 0;
  private latestVersions: VersionPair = { server: 0, client: 0 };

  /** latest — the versions of the newest published state. */
  get latest(): VersionPair {
    return this.latestVersions;
  }

  /** entries — the deltas kept, oldest first. */
  get entries(): readonly ViewDelta[] {
    return this.deltas;
  }

  /** reset — forget every delta: the state at `versions` has no known past. */
  reset(versions: VersionPair): void {
    this.deltas = [];
    this.bytes = 0;
    this.latestVersions = { ...versions };
  }

  /** push — a new publication; the oldest deltas go once the bounds are passed. */
  push(delta: ViewDelta): void {
    this.deltas.push(delta);
    this.bytes += deltaBytes(delta);
    this.latestVersions = { ...delta.to };
    while (this.deltas.length > viewHistoryVersionsMax || (this.bytes > viewHistoryBytesMax && this.deltas.length > 0)) {
      this.bytes -= deltaBytes(this.deltas.shift() as ViewDelta);
    }
  }

  /**
   * viewBase — the position of the first delta after the state (server, client): deltas from it to
   * the end lead to the latest state. The length when that state is the latest; −1 when unknown.
   */
  viewBase(server: number, client: number): number {
    if (server === this.latestVersions.server && client === this.latestVersions.client) return this.deltas.length;
    return this.deltas.findIndex((delta) => delta.from.server === server && delta.from.client === client);
  }

  /** tableBase — as viewBase, for a client that holds the table of client version `client`. */
  tableBase(client: number): number {
    if (client === this.latestVersions.client) return this.deltas.length;
    return this.deltas.findIndex((delta) => delta.from.client === client);
  }
}

/** touchingPositions — the positions of `delta`'s rows that name server `index` (before or after). */
export function touchingPositions(delta: ViewDelta, index: number, width: number): readonly number[] {
  if (!delta.touching) {
    const touching = new Map<number, number[]>();
    for (let position = 0; position < delta.bucketIndexes.length; position++) {
      for (const row of [delta.before, delta.after]) {
        for (let i = position * width; i < (position + 1) * width; i++) {
          const server = row[i];
          if (server === 0) continue;
          let list = touching.get(server);
          if (!list) {
            list = [];
            touching.set(server, list);
          }
          if (list.at(-1) !== position) list.push(position);
        }
      }
    }
    delta.touching = touching;
  }
  return delta.touching.get(index) ?? [];
}

/** positionOf — where bucket `bucketIndex` is in `delta` (binary search), or −1. */
export function positionOf(delta: ViewDelta, bucketIndex: number): number {
  let low = 0;
  let high = delta.bucketIndexes.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const found = delta.bucketIndexes[middle];
    if (found === bucketIndex) return middle;
    if (found < bucketIndex) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

function deltaBytes(delta: ViewDelta): number {
  return delta.bucketIndexes.byteLength + delta.before.byteLength + delta.after.byteLength;
}
