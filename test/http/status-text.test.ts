/**
 * The status in a terminal and the migration pace behind it: the health comes first, and a
 * migration's last frame reads N/N (100%), never `0% 0/0 buckets`.
 */
import { describe, expect, test } from 'vitest';
import { MigrationRates } from '../../src/http/migration-rate.js';
import type { GroupStatus, StatusDocument } from '../../src/http/status-model.js';
import { renderStatusText } from '../../src/http/status-text.js';

function documentWith(migration: Partial<GroupStatus['migration']>): StatusDocument {
  const group: GroupStatus = {
    name: 'group_1',
    bucketCount: 64,
    copyCount: 2,
    strategy: 'balanced',
    hasTable: true,
    state: 'migrating',
    health: { status: 'OK', checks: [] },
    versions: { client: 12, server: 11, transition: 3, plugins: 10, areaCapacity: 10 },
    alarms: [],
    underReplicatedBuckets: 0,
    migration: {
      migrating: true,
      paused: false,
      capPerServer: null,
      sources: [],
      bucketsLeft: 0,
      bucketsTotal: 0,
      bucketsDone: 0,
      ratePerS: null,
      etaS: null,
      ...migration,
    },
    dataServers: [],
  };
  return {
    role: 'primary',
    epoch: 0,
    address: '127.0.0.1:5198',
    startedAt: '2025-01-01T00:00:00.000Z',
    uptimeS: 3,
    health: { status: 'OK', checks: [] },
    groups: [group],
    events: [],
  };
}

describe('renderStatusText', () => {
  test('the first line is the health with its reasons', () => {
    const document = documentWith({ migrating: false });
    document.health = {
      status: 'WARN',
      checks: [{ code: 'data-servers-down', level: 'WARN', message: '1 data server DOWN: 127.0.0.1:5193', group: 'group_1' }],
    };
    expect(renderStatusText(document).split('\n')[0]).toBe('HEALTH_WARN group_1: 1 data server DOWN: 127.0.0.1:5193');
  });

  test('a migration with nothing counted yet is not drawn as 0% 0/0', () => {
    const text = renderStatusText(documentWith({ bucketsTotal: 0 }));
    expect(text).not.toContain('0/0 buckets');
    expect(text).toContain('migration: every bucket has moved');
  });
});

describe('MigrationRates', () => {
  test('the last sample of a migration keeps its total: N/N, not 0/0; the next migration starts a new total', () => {
    const rates = new MigrationRates();
    rates.sample('g', 30, 0);
    rates.sample('g', 10, 1000);
    expect(rates.progress('g', 0, 2000)).toMatchObject({ bucketsLeft: 0, bucketsTotal: 30, bucketsDone: 30 });
    expect(rates.progress('g', 0, 3000)).toMatchObject({ bucketsTotal: 30, bucketsDone: 30 });
    expect(rates.progress('g', 5, 4000)).toMatchObject({ bucketsLeft: 5, bucketsTotal: 5, bucketsDone: 0 });
  });
});
