import { describe, expect, test } from 'vitest';
import { formatConfigProblem } from '../../src/errors.js';
import { parseGroupConf } from '../../src/config/group-conf.js';

interface BadFile {
  name: string;
  text: string;
  /** expected — every problem, formatted `file:line: key: message`. */
  expected: string[];
}

const ok3 = '_server_list = 10.0.0.1;10.0.0.2;10.0.0.3';

const badFiles: BadFile[] = [
  {
    name: 'NUL and other control characters in values (a NUL cannot travel in a Tair string); tab is fine',
    text: `[g]\n${ok3}\ngroup_status = o\u0000n\narea_status = 1,\u0001;2,0\ntmp_down_server = \u007f\n_build_strategy = 1\u0085\nnote = a\tb\n`,
    expected: [
      "group.conf:3: group_status: the value contains a control character (\\x00) at character 2: 'o\\x00n'",
      "group.conf:4: area_status: the value contains a control character (\\x01) at character 3: '1,\\x01;2,0'",
      "group.conf:5: tmp_down_server: the value contains a control character (\\x7f) at character 1: '\\x7f'",
      "group.conf:6: _build_strategy: the value contains a control character (\\x85) at character 2: '1\\x85'",
    ],
  },
  {
    name: 'unknown underscore key, with the nearest known key as a hint',
    text: `[g]\n${ok3}\n_sever_list = 10.0.0.4\n_copycount = 2\n_areacapacity_list = 0,1\n_zzz = 1\n`,
    expected: [
      'group.conf:3: _sever_list: unknown key (did you mean _server_list?)',
      'group.conf:4: _copycount: unknown key (did you mean _copy_count?)',
      'group.conf:5: _areacapacity_list: unknown key (did you mean _areaCapacity_list?)',
      'group.conf:6: _zzz: unknown key',
    ],
  },
  {
    name: 'a key before the first section',
    text: `_copy_count = 1\n[g]\n${ok3}\n`,
    expected: ['group.conf:1: _copy_count: key outside any section (put a [section] header above it)'],
  },
  {
    name: 'a malformed line in the middle does not hide the servers below it',
    text: `[g]\n_server_list = 10.0.0.1\noops\n_server_list = 10.0.0.1\n`,
    expected: [
      "group.conf:3: (syntax): expected 'key = value' or '[section]', got 'oops'",
      'group.conf:4: _server_list: server 10.0.0.1:5191 is listed twice (first at line 2)',
    ],
  },
  {
    name: 'malformed server addresses',
    text: '[g]\n_server_list = 10.0.0.1:5191;10.0.0.256;10.0.0.2:0;host.example:5191;10.0.0.3:x;0.0.0.0\n',
    expected: [
      "group.conf:2: _server_list: '10.0.0.256': octet 256 is over 255",
      "group.conf:2: _server_list: '10.0.0.2:0': port 0 is outside 1..65535",
      "group.conf:2: _server_list: 'host.example:5191' is not an IPv4 address (a.b.c.d[:port])",
      "group.conf:2: _server_list: '10.0.0.3:x': port 'x' is not a number",
      "group.conf:2: _server_list: '0.0.0.0': 0.0.0.0 is not a server address",
    ],
  },
  {
    name: 'malformed rack and weight',
    text: '[g]\n_server_list = 10.0.0.1@;10.0.0.2*0;10.0.0.3*1000001;10.0.0.4@a b;10.0.0.5*2@r;10.0.0.6@r@s\n',
    expected: [
      "group.conf:2: _server_list: '10.0.0.1@': rack must be 1..64 characters of A-Z a-z 0-9 _ . : -",
      "group.conf:2: _server_list: '10.0.0.2*0': weight must be an integer in 1..1000000",
      "group.conf:2: _server_list: '10.0.0.3*1000001': weight must be an integer in 1..1000000",
      "group.conf:2: _server_list: '10.0.0.4@a b': rack must be 1..64 characters of A-Z a-z 0-9 _ . : -",
      "group.conf:2: _server_list: '10.0.0.5*2@r' is not of the form ip[:port][@rack][*weight]",
      "group.conf:2: _server_list: '10.0.0.6@r@s' is not of the form ip[:port][@rack][*weight]",
    ],
  },
  {
    name: 'the same server in two groups',
    text: '[a]\n_server_list = 10.0.0.1\n[b]\n_server_list = 10.0.0.2\n_server_list = 10.0.0.1:5191\n',
    expected: ["group.conf:5: _server_list: server 10.0.0.1:5191 is already in group 'a' (line 2)"],
  },
  {
    name: 'a group with no servers',
    text: '[g]\n_copy_count = 1\n',
    expected: ['group.conf:2: _copy_count: copy count 1 needs at least 1 server in _server_list, 0 listed'],
  },
  {
    name: 'copy count above the servers listed, no _copy_count line: reported at the section',
    text: '[g]\n',
    expected: ['group.conf:1: _copy_count: copy count 1 needs at least 1 server in _server_list, 0 listed'],
  },
  {
    name: 'a scalar key given twice',
    text: `[g]\n${ok3}\n_copy_count = 1\n_copy_count = 2\n`,
    expected: ['group.conf:4: _copy_count: given twice (first at line 3); only one value is allowed'],
  },
  {
    name: 'bad section names and a repeated group',
    text: `[g-1]\n${ok3}\n[g]\n_server_list = 10.0.0.4\n[g]\n_server_list = 10.0.0.5\n`,
    expected: ["group.conf:1: [g-1]: section name 'g-1' may contain only A-Z a-z 0-9 _", "group.conf:5: [g]: section 'g' appears twice (first at line 3)"],
  },
  {
    name: 'a group name longer than the wire allows',
    text: `[${'n'.repeat(64)}]\n_server_list = 10.0.0.1\n`,
    expected: [`group.conf:1: [${'n'.repeat(57)}...]: group name is longer than 63 characters`],
  },
  {
    name: 'an empty file',
    text: '# nothing here\n',
    expected: ['group.conf:1: (file): no group defined (each group is a [name] section)'],
  },
  {
    name: 'every problem of a file at once, in line order',
    text: [
      '[g]',
      '_server_list = 10.0.0.1;10.0.0.2',
      '_copy_count = 3',
      '_bucket_number = -5',
      '_build_strategy = 0',
      '_build_diff_ratio = 0',
      '_accept_strategy = 3',
      '_server_down_time = 1s',
      '_pos_mask = mask',
      '_plugIns_list = a b.so',
    ].join('\n'),
    expected: [
      'group.conf:3: _copy_count: copy count 3 needs at least 3 servers in _server_list, 2 listed',
      'group.conf:4: _bucket_number: must be between 1 and 16777216, got -5',
      "group.conf:5: _build_strategy: must be 1, 2 or 3, got '0'",
      'group.conf:6: _build_diff_ratio: must be greater than 0 and at most 1, got 0',
      "group.conf:7: _accept_strategy: must be 0 or 1, got '3'",
      "group.conf:8: _server_down_time: expected an integer, got '1s'",
      "group.conf:9: _pos_mask: expected a decimal or 0x-hex integer, got 'mask'",
      "group.conf:10: _plugIns_list: plugin name 'a b.so' contains blanks or control characters",
    ],
  },
];

describe('bad group.conf files: every problem, with its line', () => {
  test.each(badFiles)('$name', ({ text, expected }) => {
    const result = parseGroupConf(text, 'group.conf', { defaultDataServerPort: 5191 });
    expect(result.problems.map(formatConfigProblem)).toEqual(expected);
    expect(result.groups).toEqual([]);
  });

  test('a file over the size limit is refused without being scanned', () => {
    const text = `[g]\n${'# padding\n'.repeat(1_700_000)}`;
    const result = parseGroupConf(text, 'group.conf', { defaultDataServerPort: 5191 });
    expect(result.problems.map(formatConfigProblem)).toEqual([`group.conf:1: (file): file is ${Buffer.byteLength(text)} bytes, over the 16777216-byte limit`]);
  });

  test('thousands of problems are capped with a count of the rest', () => {
    const text = `[g]\n${ok3}\n${'junk\n'.repeat(1500)}`;
    const problems = parseGroupConf(text, 'group.conf', { defaultDataServerPort: 5191 }).problems;
    expect(problems).toHaveLength(1001);
    expect(problems.at(-1)?.message).toBe('500 more problems not shown (fix the ones above first)');
  });
});

describe('loadGroupConf', () => {
  test('a missing file is one problem at line 1', async () => {
    const { loadGroupConf } = await import('../../src/config/group-conf.js');
    const result = await loadGroupConf('/nonexistent/group.conf', { defaultDataServerPort: 5191 });
    expect(result).toEqual({
      groups: [],
      problems: [{ file: '/nonexistent/group.conf', line: 1, key: '(file)', message: 'file not found' }],
    });
  });
});
