import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { ConfigProblem } from '../../src/errors.js';
import { parseConfigServerConf } from '../../src/config/configserver-conf.js';
import type { GroupConfig } from '../../src/config/group-conf.js';
import { parseGroupConf } from '../../src/config/group-conf.js';

const example = readFileSync(new URL('../fixtures/config/original-group.conf', import.meta.url), 'utf8');
const exampleConfigServer = readFileSync(new URL('../../examples/configserver.conf', import.meta.url), 'utf8');

/** checkProblems — every problem names the file, a real line of the text, a key and a message. */
function checkProblems(problems: readonly ConfigProblem[], text: string, file: string): void {
  const lineCount = text.split('\n').length;
  const broken = problems.filter(
    (problem) =>
      problem.file !== file ||
      !Number.isInteger(problem.line) ||
      problem.line < 1 ||
      problem.line > lineCount ||
      typeof problem.key !== 'string' ||
      typeof problem.message !== 'string' ||
      problem.message.length === 0,
  );
  expect(broken).toEqual([]);
}

/** checkGroups — an independent look at what a valid parse promises. */
function checkGroups(groups: readonly GroupConfig[]): void {
  const seen = new Set<string>();
  const broken: string[] = [];
  for (const group of groups) {
    if (!/^[A-Za-z0-9_]{1,63}$/.test(group.name)) broken.push(`name ${group.name}`);
    if (group.copyCount < 1 || group.copyCount > 8) broken.push(`${group.name}: C ${group.copyCount}`);
    if (group.bucketCount < 1 || group.bucketCount * group.copyCount > 2 ** 26) broken.push(`${group.name}: B`);
    if (group.servers.length < group.copyCount) broken.push(`${group.name}: fewer servers than copies`);
    if (group.minDataServerCount < group.copyCount || group.minDataServerCount > Math.max(group.servers.length, group.copyCount)) {
      broken.push(`${group.name}: min data server count ${group.minDataServerCount}`);
    }
    for (const server of group.servers) {
      if (seen.has(server.id)) broken.push(`${server.id} twice`);
      seen.add(server.id);
      if (!(server.weight >= 1)) broken.push(`${server.id} weight ${server.weight}`);
    }
  }
  expect(broken).toEqual([]);
}

/** mutation — one edit of a text: insert a dialect-significant character, delete, duplicate or swap lines. */
const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.constantFrom('#', '[', ']', '=', ';', ',', '@', '*', ':', '\n', ' ', '_', '0', '-1', '0x', '\r', '\u0000', 'é', '[g]\n', '.'),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('duplicateLine' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swapLines' as const), at: fc.nat(), other: fc.nat() }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(text: string, edits: Mutation[]): string {
  let result = text;
  for (const edit of edits) {
    const at = edit.at % (result.length + 1);
    if (edit.kind === 'insert') result = result.slice(0, at) + edit.text + result.slice(at);
    else if (edit.kind === 'delete') result = result.slice(0, at) + result.slice(at + edit.length);
    else {
      const lines = result.split('\n');
      const i = edit.at % lines.length;
      if (edit.kind === 'duplicateLine') lines.splice(i, 0, lines[i]);
      else [lines[i], lines[edit.other % lines.length]] = [lines[edit.other % lines.length], lines[i]];
      result = lines.join('\n');
    }
  }
  return result;
}

describe('parser fuzzing: no crash, no hang, only ConfigProblems', () => {
  test('arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        const result = parseGroupConf(text, 'fuzz.conf', { defaultDataServerPort: 5191 });
        checkProblems(result.problems, text, 'fuzz.conf');
        expect(result.problems.length === 0 || result.groups.length === 0).toBe(true);
        checkGroups(result.groups);
      }),
      { numRuns: 400 },
    );
  });

  test("arbitrary lines built from the dialect's own pieces", () => {
    const piece = fc.constantFrom(
      '[g]',
      '[h]',
      '_server_list',
      '_copy_count',
      '_bucket_number',
      '_pos_mask',
      '_min_data_server_count',
      '_areaCapacity_list',
      '=',
      ' ',
      '#',
      ';',
      ',',
      '10.0.0.1',
      '10.0.0.2:5191',
      '@r1',
      '*2',
      '0.5',
      '3',
      '0x',
      'ff',
      '-',
      '\n',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (pieces) => {
        const text = pieces.join('');
        const result = parseGroupConf(text, 'fuzz.conf', { defaultDataServerPort: 5191 });
        checkProblems(result.problems, text, 'fuzz.conf');
        checkGroups(result.groups);
      }),
      { numRuns: 400 },
    );
  });

  test('mutated valid group.conf files', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (edits) => {
        const text = mutate(example, edits);
        const result = parseGroupConf(text, 'fuzz.conf', { defaultDataServerPort: 5191 });
        checkProblems(result.problems, text, 'fuzz.conf');
        checkGroups(result.groups);
      }),
      { numRuns: 400 },
    );
  });

  test('mutated and arbitrary configserver.conf files', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.array(mutation, { minLength: 1, maxLength: 6 }).map((edits) => mutate(exampleConfigServer, edits)),
        ),
        (text) => {
          const result = parseConfigServerConf(text, '/fuzz/cs.conf', { localAddresses: ['127.0.0.1'] });
          checkProblems(result.problems, text, '/fuzz/cs.conf');
          expect(result.config === null).toBe(result.problems.length > 0);
        },
      ),
      { numRuns: 400 },
    );
  });

  test('a large hostile file parses in bounded time', () => {
    const text = `[g]\n${'_server_list = 10.0.0.1;,;;@*#\n'.repeat(100_000)}${'x'.repeat(4000)}\n`;
    const started = performance.now();
    const result = parseGroupConf(text, 'big.conf', { defaultDataServerPort: 5191 });
    expect(result.problems.length).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
