/**
 * sample-table — deterministic tables whose every byte follows from a version number, so a test
 * (or a child process) can tell exactly which write a file holds and whether it is intact.
 */
import type { PersistedGroupTable } from '../../../src/store/persisted-table.js';

/** SampleShape — the size of a sample table. */
export interface SampleShape {
  groupName: string;
  bucketCount: number;
  copyCount: number;
  serverCount: number;
}

/** defaultSampleShape — small enough for exhaustive bit flips. */
export const defaultSampleShape: SampleShape = { groupName: 'group_1', bucketCount: 7, copyCount: 2, serverCount: 3 };

/** sampleTable — the table written as `version`. */
export function sampleTable(version: number, shape: SampleShape = defaultSampleShape): PersistedGroupTable {
  const { bucketCount, copyCount, serverCount } = shape;
  const slotCount = bucketCount * copyCount;
  const fill = (multiplier: number, modulus: number, offset: number) =>
    Uint32Array.from({ length: slotCount }, (_, slot) => ((slot * multiplier + version) % modulus) + offset);
  return {
    groupName: shape.groupName,
    bucketCount,
    copyCount,
    versions: { client: 10 + version, server: 20 + version, plugins: version % 7, areaCapacity: 3 * version },
    epoch: BigInt(version) * 1_000_003n,
    migrateBlockCount: version % 2 === 0 ? -1 : version % slotCount,
    configHash: (version * 2654435761).toString(16).padStart(16, '0').slice(-16),
    servers: Array.from({ length: serverCount }, (_, i) => `10.0.${i >> 8}.${i & 255}:${5191 + (version % 3)}`),
    recordSeq: version,
    current: fill(7, serverCount, 1),
    progress: fill(11, serverCount, 1),
    destination: fill(13, serverCount + 1, 0),
  };
}
