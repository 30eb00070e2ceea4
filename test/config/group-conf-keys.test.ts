import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { formatConfigProblem } from '../../src/errors.js';
import type { GroupConfig } from '../../src/config/group-conf.js';
import { parseGroupConf } from '../../src/config/group-conf.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/config/${name}`, import.meta.url), 'utf8');

/** group — parses one section with three servers plus `lines`; fails the test on any problem. */
function group(lines: string, serverLine = '_server_list = 10.0.0.1;10.0.0.2;10.0.0.3'): GroupConfig {
  const result = parseGroupConf(`[g]\n${serverLine}\n${lines}\n`, 'group.conf', { defaultDataServerPort: 5191 });
  expect(result.problems.map(formatConfigProblem)).toEqual([]);
  return result.groups[0];
}

/** problemsOf — the `line: key: message` of each problem when parsing `[g]` + three servers + `lines`. */
function problemsOf(lines: string, serverLine = '_server_list = 10.0.0.1;10.0.0.2;10.0.0.3'): string[] {
  const result = parseGroupConf(`[g]\n${serverLine}\n${lines}\n`, 'group.conf', { defaultDataServerPort: 5191 });
  expect(result.groups).toEqual([]);
  return result.problems.map((p) => `${p.line}: ${p.key}: ${p.message}`);
}

describe('group.conf defaults', () => {
  test('a section with only servers gets the original defaults', () => {
    const g = group('');
    expect(g).toMatchObject({
      name: 'g',
      line: 1,
      bucketCount: 1023,
      copyCount: 1,
      dataMove: true,
      minDataServerCount: 1,
      buildStrategy: 1,
      buildDiffRatio: 0.6,
      posMask: 0xffffn,
      acceptStrategy: 0,
      allowFailoverServer: false,
      serverDownTimeMs: 4000,
      allowLostFlag: false,
      bucketPlacementFlag: false,
      preLoadFlag: false,
      tmpDownServers: [],
      plugins: [],
      minConfigVersion: 10,
      alwaysUpdateCapacityInfo: false,
    });
    expect(g.areaCapacities.size).toBe(0);
    expect(g.areaKeys.size).toBe(0);
    expect(g.commonMap.size).toBe(0);
  });

  test('servers get the default port, the u64 id (port << 32 | ip), the pos-mask rack and weight 1', () => {
    const [first] = group('').servers;
    expect(first).toEqual({
      id: '10.0.0.1:5191',
      serverId: (5191n << 32n) | BigInt(10 + (1 << 24)),
      rack: '10.0',
      weight: 1,
      line: 2,
    });
  });

  test('the default data-server port comes from the caller ([tairserver] port)', () => {
    const result = parseGroupConf('[g]\n_server_list=10.0.0.1\n', 'f', { defaultDataServerPort: 6000 });
    expect(result.groups[0].servers[0].id).toBe('10.0.0.1:6000');
  });
});

describe('group.conf keys: parse rules', () => {
  test('_copy_count is 1..8 and at most the servers listed', () => {
    expect(group('_copy_count = 3').copyCount).toBe(3);
    expect(problemsOf('_copy_count = 0')).toEqual(['3: _copy_count: must be between 1 and 8, got 0']);
    expect(problemsOf('_copy_count = 9')).toEqual(['3: _copy_count: must be between 1 and 8, got 9']);
    expect(problemsOf('_copy_count = two')).toEqual(["3: _copy_count: expected an integer, got 'two'"]);
    expect(problemsOf('_copy_count = 4')).toEqual(['3: _copy_count: copy count 4 needs at least 4 servers in _server_list, 3 listed']);
  });

  test('_bucket_number is 1..16,777,216 and B·C at most 2^26', () => {
    expect(group('_bucket_number = 1').bucketCount).toBe(1);
    expect(group('_bucket_number = 16777216').bucketCount).toBe(16_777_216);
    expect(problemsOf('_bucket_number = 0')).toEqual(['3: _bucket_number: must be between 1 and 16777216, got 0']);
    expect(problemsOf('_bucket_number = 16777217')).toEqual(['3: _bucket_number: must be between 1 and 16777216, got 16777217']);
    expect(problemsOf('_bucket_number = 1.5')).toEqual(["3: _bucket_number: expected an integer, got '1.5'"]);
    expect(group('_copy_count = 3\n_bucket_number = 16777216').bucketCount).toBe(16_777_216);
    const eight = `_server_list = ${Array.from({ length: 8 }, (_, i) => `10.0.0.${i + 1}`).join(';')}`;
    expect(problemsOf('_copy_count = 8\n_bucket_number = 16777216', eight)).toEqual([
      '4: _bucket_number: buckets × copies = 134217728, over the limit of 67108864',
    ]);
  });

  test('_server_list: `;` and `,` separate, repeated lines add up, empty entries are skipped', () => {
    const g = group('_server_list = 10.0.0.4:6000, 10.0.0.5 ;;\n_server_list = 10.0.0.6;');
    expect(g.servers.map((s) => `${s.id}@${s.line}`)).toEqual([
      '10.0.0.1:5191@2',
      '10.0.0.2:5191@2',
      '10.0.0.3:5191@2',
      '10.0.0.4:6000@3',
      '10.0.0.5:5191@3',
      '10.0.0.6:5191@4',
    ]);
  });

  test('_server_list: explicit rack and weight, `ip[:port][@rack][*weight]`', () => {
    const g = group('', '_server_list = 10.0.0.7:5191@rack-a*2; 10.0.0.8@rack-b; 10.0.0.9*3');
    expect(g.servers.map(({ id, rack, weight }) => ({ id, rack, weight }))).toEqual([
      { id: '10.0.0.7:5191', rack: 'rack-a', weight: 2 },
      { id: '10.0.0.8:5191', rack: 'rack-b', weight: 1 },
      { id: '10.0.0.9:5191', rack: '10.0', weight: 3 },
    ]);
  });

  test('_data_move: 0/1, forced to 1 when there is more than one copy', () => {
    expect(group('_data_move = 0').dataMove).toBe(false);
    expect(group('_data_move = 1').dataMove).toBe(true);
    expect(group('_data_move = 0\n_copy_count = 2').dataMove).toBe(true);
    expect(problemsOf('_data_move = 2')).toEqual(["3: _data_move: must be 0 or 1, got '2'"]);
  });

  test('_min_data_server_count: count, fraction of the servers listed, raised to C', () => {
    const four = '_server_list = 10.0.0.1;10.0.0.2;10.0.0.3;10.0.0.4';
    expect(group('_min_data_server_count = 3', four).minDataServerCount).toBe(3);
    expect(group('_min_data_server_count = 0.75', four).minDataServerCount).toBe(3);
    expect(group('_min_data_server_count = 0.5\n_copy_count = 3', four).minDataServerCount).toBe(3);
    expect(group('_min_data_server_count = 0\n_copy_count = 2', four).minDataServerCount).toBe(2);
    expect(group('_min_data_server_count = 1', four).minDataServerCount).toBe(1);
    expect(problemsOf('_min_data_server_count = 5', four)).toEqual([
      '3: _min_data_server_count: is 5 but only 4 servers are listed; the table would never be built',
    ]);
    expect(problemsOf('_min_data_server_count = -1')).toEqual(["3: _min_data_server_count: expected a server count or a fraction between 0 and 1, got '-1'"]);
    expect(problemsOf('_min_data_server_count = 2.5')).toEqual(['3: _min_data_server_count: must be a whole number of servers or a fraction below 1, got 2.5']);
  });

  test('_build_strategy 1/2/3 and _build_diff_ratio in (0, 1]', () => {
    expect(group('_build_strategy = 2').buildStrategy).toBe(2);
    expect(group('_build_strategy = 3').buildStrategy).toBe(3);
    expect(problemsOf('_build_strategy = 4')).toEqual(["3: _build_strategy: must be 1, 2 or 3, got '4'"]);
    expect(group('_build_diff_ratio = 0.25').buildDiffRatio).toBe(0.25);
    expect(group('_build_diff_ratio = 1').buildDiffRatio).toBe(1);
    expect(group('_build_diff_ratio = .5').buildDiffRatio).toBe(0.5);
    expect(problemsOf('_build_diff_ratio = 0')).toEqual(['3: _build_diff_ratio: must be greater than 0 and at most 1, got 0']);
    expect(problemsOf('_build_diff_ratio = 1.5')).toEqual(['3: _build_diff_ratio: must be greater than 0 and at most 1, got 1.5']);
    expect(problemsOf('_build_diff_ratio = lots')).toEqual(["3: _build_diff_ratio: expected a decimal number, got 'lots'"]);
  });

  test('_pos_mask: decimal or 0x hex, 0 means the default, racks follow it', () => {
    expect(group('_pos_mask = 16777215').posMask).toBe(0xffffffn);
    expect(group('_pos_mask = 0xFFFFFF').posMask).toBe(0xffffffn);
    expect(group('_pos_mask = 0').posMask).toBe(0xffffn);
    expect(group('_pos_mask = 0xffffff').servers[0].rack).toBe('10.0.0');
    expect(group('_pos_mask = 255').servers[0].rack).toBe('10');
    expect(problemsOf('_pos_mask = -1')).toEqual(['3: _pos_mask: must be between 0 and 0xffffffff, got -1']);
    expect(problemsOf('_pos_mask = 0x1ffffffff')).toEqual(['3: _pos_mask: must be between 0 and 0xffffffff, got 0x1ffffffff']);
    expect(problemsOf('_pos_mask = 0xfg')).toEqual(["3: _pos_mask: expected a decimal or 0x-hex integer, got '0xfg'"]);
  });

  test('_accept_strategy 0/1 and the 0/1 flags', () => {
    expect(group('_accept_strategy = 1').acceptStrategy).toBe(1);
    expect(problemsOf('_accept_strategy = 2')).toEqual(["3: _accept_strategy: must be 0 or 1, got '2'"]);
    const flags = group(
      ['_allow_failover_server = 1', '_allow_lost_flag = 1', '_bucket_placement_flag = 1', '_pre_load_flag = 1', '_always_update_capacity_info = 1'].join('\n'),
    );
    expect(flags).toMatchObject({
      allowFailoverServer: true,
      allowLostFlag: true,
      bucketPlacementFlag: true,
      preLoadFlag: true,
      alwaysUpdateCapacityInfo: true,
    });
    expect(problemsOf('_allow_lost_flag = yes')).toEqual(["3: _allow_lost_flag: must be 0 or 1, got 'yes'"]);
  });

  test('_server_down_time is whole seconds, 1..3600', () => {
    expect(group('_server_down_time = 10').serverDownTimeMs).toBe(10_000);
    expect(problemsOf('_server_down_time = 0')).toEqual(['3: _server_down_time: must be between 1 and 3600, got 0']);
  });

  test('tmp_down_server is read only with _pre_load_flag = 1, and always goes to clients', () => {
    const off = group('tmp_down_server = 10.0.0.1:5191;10.0.0.2;');
    expect(off.tmpDownServers).toEqual([]);
    expect(off.commonMap.get('tmp_down_server')).toBe('10.0.0.1:5191;10.0.0.2;');
    const on = group('_pre_load_flag = 1\ntmp_down_server = 10.0.0.1:5191;10.0.0.2;');
    expect(on.tmpDownServers).toEqual(['10.0.0.1:5191', '10.0.0.2:5191']);
    expect(problemsOf('tmp_down_server = 10.0.0.300')).toEqual(["3: tmp_down_server: '10.0.0.300': octet 300 is over 255"]);
  });

  test('_areaCapacity_list and _areaKey_list accumulate `area,bytes` and `name,area` pairs', () => {
    const g = group('_areaCapacity_list = 0,1124000;1,2048;\n_areaCapacity_list = 7,9223372036854775807\n' + '_areaKey_list = users,0;sessions,1;');
    expect([...g.areaCapacities]).toEqual([
      [0, 1_124_000n],
      [1, 2048n],
      [7, 9_223_372_036_854_775_807n],
    ]);
    expect([...g.areaKeys]).toEqual([
      ['users', 0],
      ['sessions', 1],
    ]);
    expect(problemsOf('_areaCapacity_list = 0;1,x;65536,1;2,-1\n_areaCapacity_list = 1,5;1,6')).toEqual([
      "3: _areaCapacity_list: expected 'area,bytes' with two integers, got '0'",
      "3: _areaCapacity_list: expected 'area,bytes' with two integers, got '1,x'",
      "3: _areaCapacity_list: '65536,1': area must be between 0 and 65535",
      "3: _areaCapacity_list: '2,-1': capacity must be between 0 and 9223372036854775807 bytes",
      '4: _areaCapacity_list: area 1 is given twice (first at line 4)',
    ]);
    expect(problemsOf('_areaKey_list = a,1;a,2;b;c,z')).toEqual([
      "3: _areaKey_list: area name 'a' is given twice (first at line 3)",
      "3: _areaKey_list: expected 'name,area' with an integer area, got 'b'",
      "3: _areaKey_list: expected 'name,area' with an integer area, got 'c,z'",
    ]);
  });

  test('_plugIns_list keeps names in order without repeats', () => {
    expect(group('_plugIns_list = a.so;b.so\n_plugIns_list = a.so,c.so').plugins).toEqual(['a.so', 'b.so', 'c.so']);
  });

  test('_min_config_version below 10 is raised to 10', () => {
    expect(group('_min_config_version = 5').minConfigVersion).toBe(10);
    expect(group('_min_config_version = 20').minConfigVersion).toBe(20);
    expect(problemsOf('_min_config_version = ten')).toEqual(["3: _min_config_version: expected an integer, got 'ten'"]);
  });

  test('_report_interval is accepted (and unused, as in the original)', () => {
    expect(group('_report_interval = 5').name).toBe('g');
  });

  test('keys without `_` form the common map, first value wins', () => {
    const g = group('group_status = on\narea_status = 1,on\ngroup_status = off\ngroups = a');
    expect([...g.commonMap]).toEqual([
      ['group_status', 'on'],
      ['area_status', '1,on'],
      ['groups', 'a'],
    ]);
  });
});

describe('group.conf content hash', () => {
  const base = '[a]\n_server_list = 10.0.0.1\n[b]\n_server_list = 10.0.0.2\n';
  const hashes = (text: string) => parseGroupConf(text, 'f', { defaultDataServerPort: 5191 }).groups.map((g) => g.contentHash);

  test('comments and blank lines do not change it; a value change changes only that group', () => {
    const [a, b] = hashes(base);
    expect(hashes(`# note\n${base.replace('10.0.0.1', '10.0.0.1   # first')}\n\n`)).toEqual([a, b]);
    const [a2, b2] = hashes(base.replace('10.0.0.2', '10.0.0.3'));
    expect(a2).toBe(a);
    expect(b2).not.toBe(b);
  });
});

describe("the original's example layout", () => {
  test('inline comments, repeated _server_list and `;`/`,` separators all load', () => {
    const result = parseGroupConf(fixture('original-group.conf'), 'group.conf', { defaultDataServerPort: 5191 });
    expect(result.problems).toEqual([]);
    const [g] = result.groups;
    expect(g).toMatchObject({
      name: 'group_1',
      bucketCount: 1023,
      copyCount: 3,
      dataMove: true,
      minDataServerCount: 4,
      buildStrategy: 1,
      buildDiffRatio: 0.6,
      posMask: 65535n,
      acceptStrategy: 1,
      allowFailoverServer: false,
      plugins: [],
    });
    expect(g.servers.map((s) => s.id)).toEqual([
      '192.168.1.1:5191',
      '192.168.1.2:5191',
      '192.168.1.3:5191',
      '192.168.1.4:5191',
      '192.168.2.1:5191',
      '192.168.2.2:5191',
      '192.168.2.3:5191',
      '192.168.2.4:5191',
    ]);
    // As in the original: with the default mask both "data centres" are the one rack 192.168.
    expect(new Set(g.servers.map((s) => s.rack))).toEqual(new Set(['192.168']));
    expect([...g.areaCapacities]).toEqual([
      [0, 1_124_000n],
      [1, 1_124_000n],
    ]);
    expect([...g.areaKeys]).toEqual([['counter', 1]]);
    expect([...g.commonMap]).toEqual([['group_status', 'on']]);
  });
});
