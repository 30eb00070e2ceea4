/**
 * group-conf-editor — text edits of group.conf for data-server control (pcode 1500) and the
 * read-only admin commands, done line by line so comments and layout survive.
 *
 * Unlike the original's editor: keys match exactly (`_server_list`, never a
 * substring), one server entry is removed from a line that lists several, every line is visited
 * once, and text is never used as a format string.
 *
 *   [group_1]                                  add 127.0.0.1:5194  → a new line after the last
 *   _server_list = 127.0.0.1:5191;127.0.0.1:5192                      _server_list line
 *   _server_list = 127.0.0.1:5193  # rack b    delete 127.0.0.1:5192 → "_server_list = 127.0.0.1:5191"
 */
import { DataServerControlCode, DataServerControlOp } from '../protocol/index.js';
import { formatServerId, serverIdFromAddress } from '../common/server-id.js';
import { parseServerEntry } from '../config/server-entry.js';

const serverListKey = '_server_list';

/** ServerListEdit — the edited text (unchanged when nothing applied) and one code per server. */
export interface ServerListEdit {
  text: string;
  codes: number[];
  changed: boolean;
}

interface Line {
  raw: string;
  /** content — the line without its comment, trimmed. */
  content: string;
  comment: string;
}

interface Section {
  headerIndex: number;
  /** endIndex — one past the section's last line. */
  endIndex: number;
}

/** editServerList — add (op 0) or delete (op 1) `_server_list` entries of a group. */
export function editServerList(text: string, groupName: string, op: number, serverIds: readonly bigint[], defaultPort: number): ServerListEdit {
  const lines = splitLines(text);
  const section = findSection(lines, groupName);
  if (!section) return { text, codes: serverIds.map(() => DataServerControlCode.groupNotFound), changed: false };
  if (op !== DataServerControlOp.add && op !== DataServerControlOp.delete) {
    return { text, codes: serverIds.map(() => DataServerControlCode.badOp), changed: false };
  }
  const codes = serverIds.map((serverId) =>
    op === DataServerControlOp.add
      ? addServer(lines, findSection(lines, groupName) as Section, serverId, defaultPort)
      : deleteServer(lines, findSection(lines, groupName) as Section, serverId, defaultPort),
  );
  const changed = codes.some((code) => code === DataServerControlCode.ok);
  return { text: changed ? lines.map((line) => line.raw).join('\n') : text, codes, changed };
}

/** readSectionValues — every value of `key` in section `[groupName]`, in file order; null when no such section. */
export function readSectionValues(text: string, groupName: string, key: string): string[] | null {
  const lines = splitLines(text);
  const section = findSection(lines, groupName);
  if (!section) return null;
  const values: string[] = [];
  for (let index = section.headerIndex + 1; index < section.endIndex; index++) {
    const entry = keyValue(lines[index]);
    if (entry?.key === key) values.push(entry.value);
  }
  return values;
}

function addServer(lines: Line[], section: Section, serverId: bigint, defaultPort: number): number {
  if (findEntry(lines, section, serverId, defaultPort)) return DataServerControlCode.alreadyExists;
  let insertAt = lastKeyLine(lines, section, serverListKey) + 1;
  if (insertAt === 0) {
    insertAt = section.headerIndex + 1;
    for (let index = section.headerIndex + 1; index < section.endIndex; index++) if (lines[index].content !== '') insertAt = index + 1;
  }
  const content = `${serverListKey} = ${formatServerId(serverId)}`;
  const lineEnd = lines[section.headerIndex].raw.endsWith('\r') ? '\r' : '';
  lines.splice(insertAt, 0, { raw: `${content}${lineEnd}`, content, comment: '' });
  return DataServerControlCode.ok;
}

function deleteServer(lines: Line[], section: Section, serverId: bigint, defaultPort: number): number {
  const found = findEntry(lines, section, serverId, defaultPort);
  if (!found) return DataServerControlCode.notFound;
  const line = lines[found.lineIndex];
  const remaining = found.entries.filter((_, index) => index !== found.entryIndex);
  if (remaining.length === 0) {
    lines.splice(found.lineIndex, 1);
    return DataServerControlCode.ok;
  }
  const indent = /^\s*/.exec(line.raw)?.[0] ?? '';
  const content = `${serverListKey} = ${remaining.join(';')}`;
  const lineEnd = line.raw.endsWith('\r') ? '\r' : '';
  const raw = `${indent}${content}${line.comment === '' ? '' : ` ${line.comment}`}${lineEnd}`;
  lines[found.lineIndex] = { raw, content, comment: line.comment };
  return DataServerControlCode.ok;
}

function findEntry(
  lines: Line[],
  section: Section,
  serverId: bigint,
  defaultPort: number,
): { lineIndex: number; entries: string[]; entryIndex: number } | null {
  for (let index = section.headerIndex + 1; index < section.endIndex; index++) {
    const entry = keyValue(lines[index]);
    if (entry?.key !== serverListKey) continue;
    const entries = entry.value
      .split(/[;,]/)
      .map((part) => part.trim())
      .filter((part) => part !== '');
    const entryIndex = entries.findIndex((text) => {
      const parsed = parseServerEntry(text, defaultPort);
      return parsed.ok && serverIdFromAddress(parsed.entry.address) === serverId;
    });
    if (entryIndex >= 0) return { lineIndex: index, entries, entryIndex };
  }
  return null;
}

function lastKeyLine(lines: Line[], section: Section, key: string): number {
  let last = -1;
  for (let index = section.headerIndex + 1; index < section.endIndex; index++) if (keyValue(lines[index])?.key === key) last = index;
  return last;
}

function splitLines(text: string): Line[] {
  return text.split('\n').map((raw) => {
    const body = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const hash = body.indexOf('#');
    return { raw, content: (hash >= 0 ? body.slice(0, hash) : body).trim(), comment: hash >= 0 ? body.slice(hash) : '' };
  });
}

function findSection(lines: Line[], groupName: string): Section | null {
  let headerIndex = -1;
  for (let index = 0; index < lines.length; index++) {
    const name = sectionName(lines[index]);
    if (name === null) continue;
    if (headerIndex >= 0) return { headerIndex, endIndex: index };
    if (name === groupName) headerIndex = index;
  }
  return headerIndex >= 0 ? { headerIndex, endIndex: lines.length } : null;
}

function sectionName(line: Line): string | null {
  const match = /^\[\s*([^\]]*?)\s*\]$/.exec(line.content);
  return match ? match[1] : null;
}

function keyValue(line: Line): { key: string; value: string } | null {
  const equals = line.content.indexOf('=');
  if (equals <= 0 || line.content.startsWith('[')) return null;
  return { key: line.content.slice(0, equals).trim(), value: line.content.slice(equals + 1).trim() };
}
