import { describe, expect, test } from 'vitest';
import { formatConfigProblem } from '../../src/errors.js';
import { parseGroupConf } from '../../src/config/group-conf.js';
import { checkTableShapes, diffGroupConfigs, isEmptyDiff } from '../../src/config/group-diff.js';

const groups = (text: string) => {
  const result = parseGroupConf(text, 'group.conf', { defaultDataServerPort: 5191 });
  expect(result.problems).toEqual([]);
  return result.groups;
};

const before = groups('[a]\n_server_list = 10.0.0.1;10.0.0.2\n[b]\n_server_list = 10.0.0.3\n[c]\n_server_list = 10.0.0.9\n');

describe('diffGroupConfigs', () => {
  test('a config compared with itself is an empty diff', () => {
    const diff = diffGroupConfigs(
      before,
      groups('# reformatted\n[a]\n_server_list=10.0.0.1;10.0.0.2\n' + '[b]\n_server_list=10.0.0.3\n[c]\n_server_list=10.0.0.9\n'),
    );
    expect(isEmptyDiff(diff)).toBe(true);
    expect(diff.unchanged).toEqual(['a', 'b', 'c']);
  });

  test('added, removed and changed groups, with server and B/C changes', () => {
    const after = groups('[a]\n_server_list = 10.0.0.2;10.0.0.4\n_bucket_number = 2047\n' + '[c]\n_server_list = 10.0.0.9\n[d]\n_server_list = 10.0.0.5\n');
    const diff = diffGroupConfigs(before, after);
    expect(diff.added).toEqual(['d']);
    expect(diff.removed).toEqual(['b']);
    expect(diff.unchanged).toEqual(['c']);
    expect(
      diff.changed.map(({ name, bucketCountChanged, copyCountChanged, serversAdded, serversRemoved }) => ({
        name,
        bucketCountChanged,
        copyCountChanged,
        serversAdded,
        serversRemoved,
      })),
    ).toEqual([{ name: 'a', bucketCountChanged: true, copyCountChanged: false, serversAdded: ['10.0.0.4:5191'], serversRemoved: ['10.0.0.1:5191'] }]);
  });
});

describe('checkTableShapes', () => {
  test('B or C differing from an existing table is a problem at the key line', () => {
    const edited = groups(
      '[a]\n_server_list = 10.0.0.1;10.0.0.2\n_bucket_number = 2047\n_copy_count = 2\n' +
        '[b]\n_server_list = 10.0.0.3\n[new]\n_server_list = 10.0.0.4\n_bucket_number = 7\n',
    );
    const tables = new Map([
      ['a', { bucketCount: 1023, copyCount: 1 }],
      ['b', { bucketCount: 1023, copyCount: 1 }],
    ]);
    expect(checkTableShapes(edited, tables, 'group.conf').map(formatConfigProblem)).toEqual([
      "group.conf:3: _bucket_number: bucket count is 2047 but group 'a' already has a table with 1023; " +
        'it cannot change once the table exists (move the table file aside to start over)',
      "group.conf:4: _copy_count: copy count is 2 but group 'a' already has a table with 1; " +
        'it cannot change once the table exists (move the table file aside to start over)',
    ]);
  });

  test('a default B that differs from the table is reported at the section line', () => {
    const problems = checkTableShapes(groups('\n[a]\n_server_list = 10.0.0.1\n'), new Map([['a', { bucketCount: 2047, copyCount: 1 }]]), 'group.conf');
    expect(problems.map((p) => `${p.line}: ${p.key}`)).toEqual(['2: _bucket_number']);
  });
});
