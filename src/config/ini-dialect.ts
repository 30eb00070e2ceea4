/**
 * ini-dialect — a line scanner for Tair's INI dialect, keeping line numbers.
 *
 *   [group_1]                      section: name of A-Z a-z 0-9 _ only
 *   _server_list = 10.0.0.1:5191   key = value, blanks around both trimmed
 *   _server_list = 10.0.0.2 # x    a repeated key accumulates; `#` cuts the line anywhere
 *   # comment                      whole-line comment
 *
 * Values may not hold control characters other than tab (a NUL would end a Tair string on the
 * wire and break every get_group): each is a problem with its line.
 * Why not the `ini` package: it cuts values at `;` (Tair's list separator), keeps no line numbers,
 * and accepts section names Tair does not. Unlike the original we never stop at a bad line: each
 * one becomes a problem and scanning goes on, so the caller sees every problem at once.
 */
import { configLineBytesMax } from '../limits.js';
import { ProblemList, syntaxProblemKey } from './problem-list.js';

/** IniEntry — one `key = value` line. */
export interface IniEntry {
  key: string;
  value: string;
  line: number;
}

/** IniSection — one `[name]` and the entries below it, in file order. */
export interface IniSection {
  name: string;
  /** line — line number (1-based) of the `[name]` header. */
  line: number;
  /** valid — false when the header was malformed or repeated; entries are still checked. */
  valid: boolean;
  entries: IniEntry[];
}

/** sectionNamePattern — the characters the original accepts in a section name. */
export const sectionNamePattern = /^[A-Za-z0-9_]+$/;

const keyForbiddenPattern = /[\s\p{Cc}\[\]]/u;

/** scanIni — splits text into sections and entries; every malformed line is added to `problems`. */
export function scanIni(text: string, problems: ProblemList): IniSection[] {
  const sections: IniSection[] = [];
  const firstLineOfName = new Map<string, number>();
  let current: IniSection | null = null;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1;
    const raw = lines[index].endsWith('\r') ? lines[index].slice(0, -1) : lines[index];
    if (raw.length > configLineBytesMax / 4 && Buffer.byteLength(raw) > configLineBytesMax) {
      problems.add(
        lineNumber,
        syntaxProblemKey,
        `line is ${Buffer.byteLength(raw)} bytes, over the ${configLineBytesMax}-byte limit ` +
          '(split a long list over several lines: repeated keys accumulate)',
      );
      continue;
    }
    const hash = raw.indexOf('#');
    const content = (hash >= 0 ? raw.slice(0, hash) : raw).trim();
    if (content === '') continue;
    if (content.startsWith('[')) {
      current = scanSectionHeader(content, lineNumber, firstLineOfName, problems);
      sections.push(current);
      continue;
    }
    const entry = scanEntry(content, lineNumber, problems);
    if (!entry) continue;
    if (!current) {
      problems.add(lineNumber, entry.key, 'key outside any section (put a [section] header above it)');
      continue;
    }
    current.entries.push(entry);
  }
  return sections;
}

function scanSectionHeader(content: string, line: number, firstLineOfName: Map<string, number>, problems: ProblemList): IniSection {
  const close = content.indexOf(']');
  const name = (close >= 0 ? content.slice(1, close) : content.slice(1)).trim();
  const section: IniSection = { name, line, valid: false, entries: [] };
  const key = `[${name}]`;
  if (close < 0) {
    problems.add(line, key, "section header is missing its closing ']'");
  } else if (content.slice(close + 1).trim() !== '') {
    problems.add(line, key, `unexpected text after ']': '${content.slice(close + 1).trim()}'`);
  } else if (name === '') {
    problems.add(line, key, 'empty section name');
  } else if (!sectionNamePattern.test(name)) {
    problems.add(line, key, `section name '${name}' may contain only A-Z a-z 0-9 _`);
  } else if (firstLineOfName.has(name)) {
    problems.add(line, key, `section '${name}' appears twice (first at line ${firstLineOfName.get(name)})`);
  } else {
    firstLineOfName.set(name, line);
    section.valid = true;
  }
  return section;
}

function scanEntry(content: string, line: number, problems: ProblemList): IniEntry | null {
  const equals = content.indexOf('=');
  if (equals < 0) {
    problems.add(line, syntaxProblemKey, `expected 'key = value' or '[section]', got '${clip(content)}'`);
    return null;
  }
  const key = content.slice(0, equals).trim();
  const value = content.slice(equals + 1).trim();
  if (key === '') {
    problems.add(line, syntaxProblemKey, `missing key before '=' in '${clip(content)}'`);
    return null;
  }
  if (keyForbiddenPattern.test(key)) {
    problems.add(line, clip(key), 'a key may not contain blanks, brackets or control characters');
    return null;
  }
  const controlIndex = firstControlIndex(value);
  if (controlIndex >= 0) {
    const code = value.charCodeAt(controlIndex).toString(16).padStart(2, '0');
    problems.add(line, key, `the value contains a control character (\\x${code}) at character ${controlIndex + 1}: '${clip(value)}'`);
    return null;
  }
  return { key, value, line };
}

/**
 * firstControlIndex — where a value holds a control character other than tab (C0, DEL, C1), or
 * −1: a NUL cannot travel in a Tair string, the others are paste damage.
 */
function firstControlIndex(value: string): number {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if ((code < 0x20 && code !== 0x09) || (code >= 0x7f && code <= 0x9f)) return index;
  }
  return -1;
}

/** clip — user text made safe and short enough to quote in a message (control chars escaped). */
export function clip(text: string): string {
  const short = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return short.replace(/\p{Cc}/gu, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
