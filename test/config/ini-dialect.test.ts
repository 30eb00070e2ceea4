import { describe, expect, test } from 'vitest';
import { scanIni } from '../../src/config/ini-dialect.js';
import { ProblemList } from '../../src/config/problem-list.js';

function scan(text: string) {
  const problems = new ProblemList('t.conf');
  const sections = scanIni(text, problems);
  return { sections, problems: problems.toArray().map((p) => `${p.line}: ${p.key}: ${p.message}`) };
}

describe('scanIni (Tair dialect)', () => {
  test('keys accumulate in order, with their line numbers', () => {
    const { sections, problems } = scan('[g]\n_server_list = a\n\n_server_list=b\nk = v\n');
    expect(problems).toEqual([]);
    expect(sections).toEqual([
      {
        name: 'g',
        line: 1,
        valid: true,
        entries: [
          { key: '_server_list', value: 'a', line: 2 },
          { key: '_server_list', value: 'b', line: 4 },
          { key: 'k', value: 'v', line: 5 },
        ],
      },
    ]);
  });

  test('# cuts a line anywhere; whole-line comments and blanks are skipped', () => {
    const { sections } = scan('# top\n[g] # group\n  # indented comment\nk = a#b\nm = # empty\n');
    expect(sections[0].entries).toEqual([
      { key: 'k', value: 'a', line: 4 },
      { key: 'm', value: '', line: 5 },
    ]);
  });

  test('only the first = splits key from value', () => {
    const { sections } = scan('[g]\nk = a=b\n');
    expect(sections[0].entries[0].value).toBe('a=b');
  });

  test('CRLF line ends and a UTF-8 byte-order mark are accepted', () => {
    const { sections, problems } = scan('\ufeff[g]\r\nk = v\r\n');
    expect(problems).toEqual([]);
    expect(sections[0].entries[0]).toEqual({ key: 'k', value: 'v', line: 2 });
  });

  test('malformed lines are reported with their line and scanning goes on', () => {
    const { sections, problems } = scan('k = 1\n[g\n[a-b]\n[]\n[g2] x\njunk\n= v\nbad key = 1\n[ok]\nz = 2\n');
    expect(problems).toEqual([
      '1: k: key outside any section (put a [section] header above it)',
      "2: [g]: section header is missing its closing ']'",
      "3: [a-b]: section name 'a-b' may contain only A-Z a-z 0-9 _",
      '4: []: empty section name',
      "5: [g2]: unexpected text after ']': 'x'",
      "6: (syntax): expected 'key = value' or '[section]', got 'junk'",
      "7: (syntax): missing key before '=' in '= v'",
      '8: bad key: a key may not contain blanks, brackets or control characters',
    ]);
    expect(sections.at(-1)).toMatchObject({ name: 'ok', valid: true, entries: [{ key: 'z', value: '2', line: 10 }] });
  });

  test('a repeated section is reported at its second header', () => {
    const { sections, problems } = scan('[g]\na=1\n[g]\nb=2\n');
    expect(problems).toEqual(["3: [g]: section 'g' appears twice (first at line 1)"]);
    expect(sections.map((s) => s.valid)).toEqual([true, false]);
  });

  test('a line over 4096 bytes is reported, not truncated', () => {
    const { problems } = scan(`[g]\nk = ${'x'.repeat(5000)}\nm = 1\n`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^2: \(syntax\): line is 5004 bytes, over the 4096-byte limit/);
  });

  test('control characters in quoted text are escaped', () => {
    const { problems } = scan('[g]\n\u0001junk\n');
    expect(problems).toEqual(["2: (syntax): expected 'key = value' or '[section]', got '\\x01junk'"]);
  });
});
