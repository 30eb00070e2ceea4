/**
 * config-server-pair — which config server's heartbeat replies a data server obeys (reference §2.6).
 *
 *   replies from entry #0 are applied;
 *   replies from entry #1 only while entry #0 is flagged down;
 *   a reply whose down_slave_config_server names an entry raises that entry's flag;
 *   a reply from entry i with down_slave_config_server = 0 clears the other entries' flags
 *   (entry i sees its peer alive).
 *
 * With one config server everything it says is applied. Pure: no I/O, no clock.
 */

/** ConfigServerPair — the down flags of the config-server entries, in list order. */
export class ConfigServerPair {
  private readonly serverIds: readonly bigint[];
  private readonly downFlags: boolean[];

  constructor(serverIds: readonly bigint[]) {
    this.serverIds = serverIds;
    this.downFlags = serverIds.map(() => false);
  }

  /** note — record what a reply from entry `entryIndex` says about the pair. */
  note(entryIndex: number, downServerId: bigint): void {
    if (downServerId === 0n) {
      for (let i = 0; i < this.downFlags.length; i++) if (i !== entryIndex) this.downFlags[i] = false;
      return;
    }
    const downIndex = this.serverIds.indexOf(downServerId);
    if (downIndex >= 0) this.downFlags[downIndex] = true;
  }

  /** isApplied — whether a reply from entry `entryIndex` is to be applied now. */
  isApplied(entryIndex: number): boolean {
    if (entryIndex === 0) return true;
    return entryIndex === 1 && this.downFlags[0] === true;
  }

  /** activeIndex — the entry whose replies are applied (finish packets go there first). */
  activeIndex(): number {
    return this.serverIds.length > 1 && this.downFlags[0] ? 1 : 0;
  }

  /** isFlaggedDown — whether entry `entryIndex` is flagged down. */
  isFlaggedDown(entryIndex: number): boolean {
    return this.downFlags[entryIndex] === true;
  }
}
