/**
 * Out-of-range input is rejected by the TypeScript API with an InputError whose message
 * names the problem, before anything changes: the engine's memory does not grow and a
 * later valid call gives the same result as on a fresh engine.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { Engine, type ServerSpec, type Table } from '../../src/engine/index.js';
import { roundRobinServers } from './clusters.js';

const engine = new Engine();
const servers = roundRobinServers(4, 2);
const valid = { bucketCount: 8, copyCount: 2, servers };
const table: Table = engine.build(valid).table;

function expectRejected(call: () => unknown, message: RegExp): void {
  const memoryBytes = engine.memoryBytes();
  expect(call).toThrow(InputError);
  expect(call).toThrow(message);
  expect(engine.memoryBytes()).toBe(memoryBytes);
  expect(engine.build(valid).table.slots).toEqual(new Engine().build(valid).table.slots);
}

describe('build rejects', () => {
  it.each([
    ['no buckets', { bucketCount: 0 }, /bucket count 0 is outside 1\.\.16777216/],
    ['more than 2^24 buckets', { bucketCount: 2 ** 24 + 1 }, /bucket count 16777217 is outside/],
    ['a fractional bucket count', { bucketCount: 7.5 }, /bucket count 7\.5/],
    ['no copies', { copyCount: 0 }, /copy count 0 is outside 1\.\.8/],
    ['nine copies', { copyCount: 9 }, /copy count 9 is outside 1\.\.8/],
    ['B·C over 2^26', { bucketCount: 2 ** 24, copyCount: 5 }, /83886080 is over 67108864/],
    ['an unknown strategy', { strategy: 'nope' }, /unknown strategy 'nope'/],
    ['diff ratio 0', { diffRatio: 0 }, /diff ratio 0 is outside \(0, 1\]/],
    ['diff ratio 1.5', { diffRatio: 1.5 }, /diff ratio 1\.5 is outside \(0, 1\]/],
  ])('%s', (_, change, message) => {
    expectRejected(() => engine.build({ ...valid, ...change } as Parameters<Engine['build']>[0]), message);
  });

  it.each([
    ['a duplicate id', (list: ServerSpec[]) => [...list, { ...list[1] }], /server id s001 is listed twice/],
    ['weight 0', (list: ServerSpec[]) => list.map((s, i) => (i === 2 ? { ...s, weight: 0 } : s)), /server s002: weight 0 is not a whole number/],
    ['weight 1.5', (list: ServerSpec[]) => list.map((s, i) => (i === 3 ? { ...s, weight: 1.5 } : s)), /server s003: weight 1\.5 is not a whole number/],
    ['an empty id', (list: ServerSpec[]) => [...list, { id: '', rack: 'r0', weight: 1, alive: true }], /server 4 has no id/],
  ])('%s', (_, edit, message) => {
    expectRejected(() => engine.build({ ...valid, servers: edit(servers) }), message);
  });

  it('more than 65,535 servers', () => {
    const many = Array.from({ length: 65_536 }, (_, i) => ({ id: `n${i}`, rack: 'r0', weight: 1, alive: true }));
    expectRejected(() => engine.build({ ...valid, servers: many }), /65536 servers is over the limit of 65535/);
  });

  it('more than 4,096 racks', () => {
    const racks = Array.from({ length: 4097 }, (_, i) => ({ id: `n${i}`, rack: `r${i}`, weight: 1, alive: true }));
    expectRejected(() => engine.build({ ...valid, servers: racks }), /4097 racks is over the limit of 4096/);
  });

  it('a source naming a server that is not listed', () => {
    const slots = table.slots.slice();
    slots[3] = 5;
    expectRejected(() => engine.build({ ...valid, source: { ...table, slots } }), /source table names server 5 but only 4 servers are listed/);
  });

  it('a source with the wrong number of slots', () => {
    const source = { ...table, slots: table.slots.slice(0, 15) };
    expectRejected(() => engine.build({ ...valid, source }), /source table must be a Uint16Array of bucketCount × copyCount entries/);
  });

  it('a source of another shape', () => {
    const source = engine.build({ ...valid, bucketCount: 16, copyCount: 1 }).table;
    expectRejected(() => engine.build({ ...valid, source }), /source table shape differs/);
  });

  it('a source that is not a Uint16Array', () => {
    const source = { ...table, slots: Array.from(table.slots) as unknown as Uint16Array };
    expectRejected(() => engine.build({ ...valid, source }), /must be a Uint16Array/);
  });
});

describe('the other operations reject', () => {
  const stray = { ...table, slots: table.slots.map((entry, slot) => (slot === 9 ? 7 : entry)) };

  it('a table naming a server that is not listed', () => {
    expectRejected(() => engine.quickTable(stray, servers), /current table names server 7 but only 4/);
    expectRejected(() => engine.scan(stray, servers), /scanned table names server 7 but only 4/);
    expectRejected(() => engine.stats(stray, servers), /measured table names server 7 but only 4/);
    expectRejected(() => engine.diff(table, stray, servers.length), /target table names server 7 but only 4/);
  });

  it('a table with the wrong number of slots', () => {
    const short = { ...table, slots: table.slots.slice(1) };
    expectRejected(() => engine.quickTable(short, servers), /must be a Uint16Array of bucketCount × copyCount entries/);
    expectRejected(() => engine.scan(short, servers), /must be a Uint16Array/);
    expectRejected(() => engine.diff(short, table, servers.length), /must be a Uint16Array/);
  });

  it('tables of different shapes in a diff', () => {
    const other = engine.build({ ...valid, bucketCount: 16, copyCount: 1 }).table;
    expectRejected(() => engine.diff(table, other, servers.length), /differ in shape/);
  });

  it('bad server lists', () => {
    const twice = [...servers, { ...servers[0] }];
    expectRejected(() => engine.quickTable(table, twice), /listed twice/);
    expectRejected(() => engine.stats(table, twice), /listed twice/);
  });
});

describe('after a rejected call', () => {
  it('every operation still works', () => {
    expect(() => engine.build({ ...valid, copyCount: 9 })).toThrow(InputError);
    const down = servers.map((server, i) => ({ ...server, alive: i !== 0 }));
    expect(engine.scan(table, down).total).toBe(4);
    expect(engine.quickTable(table, down).ok).toBe(true);
    expect(engine.diff(table, table, servers.length).bucketsToMigrate).toBe(0);
    expect(engine.stats(table, servers).emptySlots).toBe(0);
  });
});
