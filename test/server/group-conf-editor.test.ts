/**
 * The group.conf line editor behind data-server control (pcode 1500): exact key matches, one
 * entry out of a list, other sections and lines untouched, `%` harmless.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { editServerList, readSectionValues } from '../../src/server/group-conf-editor.js';
import { serverIdFromText } from '../../src/common/server-id.js';
import { parseGroupConf } from '../../src/config/group-conf.js';

const id = (text: string) => serverIdFromText(text, 5191);
const add = 0;
const remove = 1;

const sample = [
  '# 100% hand-written',
  '[group_1]',
  '_copy_count = 1',
  '_server_list = 10.0.0.1:5191;10.0.0.2@rack-b*2  # two here',
  'old_server_list = 10.0.0.9:5191',
  'group_status = on',
  '',
  '[group_2]',
  '_copy_count = 1',
  '_server_list = 10.0.0.3:5191',
  '',
].join('\n');

describe('editServerList', () => {
  test('adds a line after the last _server_list line of the group, nowhere else', () => {
    const edit = editServerList(sample, 'group_1', add, [id('10.0.0.4:5191')], 5191);
    expect(edit.codes).toEqual([0]);
    const lines = edit.text.split('\n');
    expect(lines[4]).toBe('_server_list = 10.0.0.4:5191');
    expect(lines.filter((line) => !line.includes('10.0.0.4'))).toEqual(sample.split('\n'));
  });

  test('deletes one entry of a list line, keeping the others and the comment', () => {
    const edit = editServerList(sample, 'group_1', remove, [id('10.0.0.1')], 5191);
    expect(edit.codes).toEqual([0]);
    expect(edit.text.split('\n')[3]).toBe('_server_list = 10.0.0.2@rack-b*2 # two here');
    const removedLast = editServerList(edit.text, 'group_1', remove, [id('10.0.0.2:5191')], 5191);
    expect(
      removedLast.text
        .split('\n')
        .slice(1, 6)
        .filter((line) => line.startsWith('_server_list')),
    ).toEqual([]);
    expect(removedLast.text).toContain('old_server_list = 10.0.0.9:5191');
  });

  test('exact key match: a server named only under another key is not found; another group is untouched', () => {
    expect(editServerList(sample, 'group_1', remove, [id('10.0.0.9:5191')], 5191).codes).toEqual([4]);
    expect(editServerList(sample, 'group_1', remove, [id('10.0.0.3:5191')], 5191).codes).toEqual([4]);
    expect(editServerList(sample, 'group_1', add, [id('10.0.0.1:5191')], 5191).codes).toEqual([5]);
  });

  test('unknown group, bad op', () => {
    expect(editServerList(sample, 'nope', add, [id('10.0.0.4')], 5191)).toEqual({ text: sample, codes: [6], changed: false });
    expect(editServerList(sample, 'group_1', 3, [id('10.0.0.4')], 5191)).toEqual({ text: sample, codes: [7], changed: false });
  });

  test('adding then deleting any servers gives back the file, and every edit parses', () => {
    const address = fc.tuple(fc.integer({ min: 1, max: 250 }), fc.integer({ min: 1024, max: 65_000 })).map(([octet, port]) => `10.1.0.${octet}:${port}`);
    fc.assert(
      fc.property(fc.uniqueArray(address, { minLength: 1, maxLength: 8 }), (addresses) => {
        const ids = addresses.map((text) => id(text));
        const added = editServerList(sample, 'group_2', add, ids, 5191);
        expect(added.codes.every((code) => code === 0)).toBe(true);
        expect(
          parseGroupConf(added.text, 'group.conf', { defaultDataServerPort: 5191 })
            .groups.find((group) => group.name === 'group_2')
            ?.servers.map((server) => server.id),
        ).toEqual(['10.0.0.3:5191', ...addresses]);
        const removed = editServerList(added.text, 'group_2', remove, ids, 5191);
        expect(removed.text).toBe(sample);
      }),
    );
  });
});

describe('readSectionValues', () => {
  test('every value of a key in one section, null for a missing section', () => {
    expect(readSectionValues(sample, 'group_1', 'group_status')).toEqual(['on']);
    expect(readSectionValues(sample, 'group_2', 'group_status')).toEqual([]);
    expect(readSectionValues(sample, 'nope', 'group_status')).toBeNull();
  });
});
