/**
 * config-server-pair — which config server's heartbeat replies a data server obeys.
 *
 * Replies with our extension (our config servers, docs/pair.md) say their epoch and role:
 *   a reply is applied only if it comes from a primary of the highest epoch seen so far, so a
 *   deposed primary (older epoch) and a secondary are never obeyed (should two entries claim the
 *   same epoch, which our pair never does, the lower entry wins, as with the original);
 *   finish packets go to the entry whose latest reply was that primary.
 *
 * Replies without it (original config servers) follow the original data server's rule:
 *   replies from entry #0 are applied;
 *   replies from entry #1 only while entry #0 is flagged down;
 *   a reply whose down_slave_config_server names an entry raises that entry's flag;
 *   a reply from entry i with down_slave_config_server = 0 clears the other entries' flags
 *   (entry i sees its peer alive).
 *
 * With one config server everything it says is applied (it answers as primary). Pure: no I/O, no clock.
 */
import type { ResponseExtension } from '../protocol/index.js';

/** ConfigServerPair — the down flags, roles and epochs of the config-server entries, in list order. */
export class ConfigServerPair {
  private readonly serverIds: readonly bigint[];
  private readonly downFlags: boolean[];
  /** primaryEpochs — per entry, the epoch of its latest reply if that reply said "primary", else null. */
  private readonly primaryEpochs: (bigint | null)[];
  private highest = 0n;
  private extended = false;

  constructor(serverIds: readonly bigint[]) {
    this.serverIds = serverIds;
    this.downFlags = serverIds.map(() => false);
    this.primaryEpochs = serverIds.map(() => null);
  }

  /** highestEpoch — the highest config-server epoch seen in any reply (sent back in every heartbeat). */
  get highestEpoch(): bigint {
    return this.highest;
  }

  /** note — record what a reply from entry `entryIndex` says about the pair. */
  note(entryIndex: number, downServerId: bigint, extension?: ResponseExtension): void {
    if (extension) {
      this.extended = true;
      if (extension.epoch > this.highest) this.highest = extension.epoch;
      this.primaryEpochs[entryIndex] = extension.role === 'primary' ? extension.epoch : null;
    }
    if (downServerId === 0n) {
      for (let i = 0; i < this.downFlags.length; i++) if (i !== entryIndex) this.downFlags[i] = false;
      return;
    }
    const downIndex = this.serverIds.indexOf(downServerId);
    if (downIndex >= 0) this.downFlags[downIndex] = true;
  }

  /** isApplied — whether a reply from entry `entryIndex` (with its extension, if any) is to be applied. */
  isApplied(entryIndex: number, extension?: ResponseExtension): boolean {
    if (extension) {
      if (extension.role !== 'primary' || extension.epoch < this.highest) return false;
      return !this.primaryEpochs.some((epoch, index) => index < entryIndex && epoch === extension.epoch);
    }
    if (entryIndex === 0) return true;
    return entryIndex === 1 && this.downFlags[0] === true;
  }

  /** activeIndex — the entry whose replies are applied (finish packets go there first). */
  activeIndex(): number {
    if (this.extended) {
      const primary = this.primaryEpochs.findIndex((epoch) => epoch !== null && epoch === this.highest);
      if (primary >= 0) return primary;
    }
    return this.serverIds.length > 1 && this.downFlags[0] ? 1 : 0;
  }

  /** isFlaggedDown — whether entry `entryIndex` is flagged down. */
  isFlaggedDown(entryIndex: number): boolean {
    return this.downFlags[entryIndex] === true;
  }
}
