import { describe, expect, test } from 'vitest';
import { ClientTable } from '../../src/client/client-table.js';
import { bucketOfKey } from '../../src/client/tair-hash.js';
import { InputError } from '../../src/errors.js';
import { idsOf, roundRobin } from '../agent/test-tables.js';

describe('ClientTable', () => {
  const ids = idsOf([5191, 5192, 5193]);

  test("a bucket's servers are its copies in copy order, empty slots skipped", () => {
    const table = roundRobin(ids, 4, 2);
    table[4 + 1] = 0n;
    const client = new ClientTable('g', 4, 2, 12, table);
    expect(client.serversOfBucket(0)).toEqual([ids[0], ids[1]]);
    expect(client.serversOfBucket(1)).toEqual([ids[1]]);
    expect(client.masterOfBucket(2)).toBe(ids[2]);
    expect(client.bucketOf(Buffer.from('some key'))).toBe(bucketOfKey(Buffer.from('some key'), 4));
  });

  test('the summary counts buckets and masters per server and the empty slots', () => {
    const table = roundRobin(ids, 6, 2);
    table[6] = 0n;
    expect(new ClientTable('g', 6, 2, 15, table).summary()).toEqual({
      group: 'g',
      bucketCount: 6,
      copyCount: 2,
      version: 15,
      servers: [
        { server: '127.0.0.1:5191', buckets: 4, masters: 2 },
        { server: '127.0.0.1:5192', buckets: 3, masters: 2 },
        { server: '127.0.0.1:5193', buckets: 4, masters: 2 },
      ],
      emptySlots: 1,
    });
  });

  test('counts that do not match the slots are refused', () => {
    expect(() => new ClientTable('g', 4, 2, 10, new BigUint64Array(7))).toThrow(InputError);
    expect(() => new ClientTable('g', 0, 2, 10, new BigUint64Array(0))).toThrow(InputError);
    expect(() => new ClientTable('g', 1, 9, 10, new BigUint64Array(9))).toThrow(InputError);
  });
});
