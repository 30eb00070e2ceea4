import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.js';
import { importOriginalTable } from '../../src/store/original-table.js';
import { describeTableShapeProblem } from '../../src/store/persisted-table.js';
import { buildOriginalFile, ipPortId } from './helpers/original-file.js';

const a = ipPortId(127, 0, 0, 1, 5191);
const b = ipPortId(127, 0, 0, 1, 5192);
const c = ipPortId(10, 1, 2, 3, 5193);

// B = 4, C = 2, copy-major: slots 0..3 are the master copies, 4..7 the second copies.
const spec = {
  bucketCount: 4,
  copyCount: 2,
  versions: [696, 13, 11, 12] as [number, number, number, number],
  lastLoadConfigTime: 1_700_000_000,
  migrateBlockCount: 2,
  current: [a, b, a, b, b, a, b, a],
  progress: [a, b, a, b, b, a, b, a],
  destination: [a, b, c, b, c, a, b, c],
};

describe('importOriginalTable', () => {
  test('versions, migrate count and tables carry over; ids become ip:port in order of appearance', () => {
    const table = importOriginalTable(buildOriginalFile(spec), 'group_1');
    expect(table).toMatchObject({
      groupName: 'group_1',
      bucketCount: 4,
      copyCount: 2,
      versions: { client: 696, server: 13, plugins: 11, areaCapacity: 12 },
      epoch: 0n,
      migrateBlockCount: 2,
      configHash: '',
      servers: ['127.0.0.1:5191', '127.0.0.1:5192', '10.1.2.3:5193'],
    });
    expect(Array.from(table.current)).toEqual([1, 2, 1, 2, 2, 1, 2, 1]);
    expect(Array.from(table.progress)).toEqual([1, 2, 1, 2, 2, 1, 2, 1]);
    expect(Array.from(table.destination)).toEqual([1, 2, 3, 2, 3, 1, 2, 3]);
    expect(describeTableShapeProblem(table)).toBeNull();
  });

  test('a freshly created original file (all zero tables, versions 1) imports as an empty table', () => {
    const zeros = new Array(1023).fill(0n);
    const table = importOriginalTable(
      buildOriginalFile({
        bucketCount: 1023,
        copyCount: 1,
        current: zeros,
        progress: zeros,
        destination: zeros,
      }),
      'g',
    );
    expect(table.servers).toEqual([]);
    expect(table.migrateBlockCount).toBe(-1);
    expect(table.versions).toEqual({ client: 1, server: 1, plugins: 1, areaCapacity: 1 });
    expect(table.current.every((v) => v === 0)).toBe(true);
  });

  test.each([
    ['short file', buildOriginalFile(spec).subarray(0, 20), '20 bytes, shorter than the 36-byte header of an original server table'],
    ['bad magic', buildOriginalFile({ ...spec, magic: 0x12345678 }), 'bad magic 0x12345678 (an original server table starts with 0x31766257)'],
    ['one byte missing', buildOriginalFile(spec).subarray(0, 36 + 24 * 8 - 1), 'size mismatch: 227 bytes, but B=4 and C=2 need 36 + 24·C·B = 228'],
    ['one byte extra', Buffer.concat([buildOriginalFile(spec), Buffer.alloc(1)]), 'size mismatch: 229 bytes, but B=4 and C=2 need 36 + 24·C·B = 228'],
    ['copy count 0', buildOriginalFile({ ...spec, copyCount: 0, current: [], progress: [], destination: [] }), 'copy count 0 is outside 1..8'],
    [
      'id without a port',
      buildOriginalFile({ ...spec, destination: [a, b, 0x0100007fn, b, c, a, b, c] }),
      'destination table slot 2 holds 0x100007f, which is not a server id (ip:port)',
    ],
    [
      'id with high bits',
      buildOriginalFile({ ...spec, current: [a | (1n << 60n), b, a, b, b, a, b, a] }),
      'current table slot 0 holds 0x100014470100007f, which is not a server id (ip:port)',
    ],
    ['migrate count out of range', buildOriginalFile({ ...spec, migrateBlockCount: -7 }), 'migrate block count -7 is outside -1..8'],
  ])('%s is refused with a clear message', (_name, bytes, message) => {
    expect(() => importOriginalTable(bytes, 'group_1')).toThrow(InputError);
    expect(() => importOriginalTable(bytes, 'group_1')).toThrow(message);
  });
});
