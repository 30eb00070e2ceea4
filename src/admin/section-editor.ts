/**
 * section-editor — line edits of one `[group]` section of group.conf that keep everything else
 * (comments, blank lines, order, line endings) as it was.
 *
 *   [group_1]
 *   _areaCapacity_list = 1,1000;2,2000   # hot     removeEntries(key, area 2)  → "…= 1,1000 # hot"
 *   group_status = on                             setValue('group_status', 'off')
 *   _server_list = …                              appendLine(key, value): after the key's last
 *                                                 line, else after the section's last content line
 *
 * Keys match exactly (the original matched substrings); entries are the
 * `;`-separated parts of a value; a line left with no entry is removed.
 */

interface Line {
  raw: string;
  /** content — without the comment, trimmed. */
  content: string;
  comment: string;
}

/** SectionEditor — one section of a group.conf text; `text()` gives the whole file back. */
export class SectionEditor {
  private readonly lines: Line[];
  private readonly lineEnd: string;

  private constructor(
    text: string,
    private readonly groupName: string,
  ) {
    this.lines = text.split('\n').map(toLine);
    this.lineEnd = text.includes('\r\n') ? '\r' : '';
  }

  /** open — an editor for `[groupName]`, or null when the file has no such section. */
  static open(text: string, groupName: string): SectionEditor | null {
    const editor = new SectionEditor(text, groupName);
    return editor.bounds() ? editor : null;
  }

  /** values — every value of `key` in the section, in file order. */
  values(key: string): string[] {
    return this.keyLines(key).map((index) => valueOf(this.lines[index]));
  }

  /** entries — the `;`-separated entries of every value of `key`. */
  entries(key: string): string[] {
    return this.values(key).flatMap(splitEntries);
  }

  /** setValue — the key's first line gets `value` (later lines of the key go); added when missing. */
  setValue(key: string, value: string): void {
    const [first, ...rest] = this.keyLines(key);
    if (first === undefined) {
      this.appendLine(key, value);
      return;
    }
    this.replaceLine(first, key, value);
    for (const index of rest.reverse()) this.lines.splice(index, 1);
  }

  /** removeKey — every line of `key` goes. */
  removeKey(key: string): void {
    for (const index of this.keyLines(key).reverse()) this.lines.splice(index, 1);
  }

  /** appendLine — a new `key = value` line after the key's last line, or at the section's end. */
  appendLine(key: string, value: string): void {
    const keyLines = this.keyLines(key);
    const { header, end } = this.bounds() as { header: number; end: number };
    let at = keyLines.length > 0 ? keyLines[keyLines.length - 1] + 1 : header + 1;
    if (keyLines.length === 0) for (let index = header + 1; index < end; index++) if (this.lines[index].content !== '') at = index + 1;
    const content = `${key} = ${value}`;
    this.lines.splice(at, 0, { raw: `${content}${this.lineEnd}`, content, comment: '' });
  }

  /** mapEntries — rewrite each entry of `key` (null drops it); returns how many changed or went. */
  mapEntries(key: string, map: (entry: string) => string | null): number {
    let changed = 0;
    for (const index of this.keyLines(key).reverse()) {
      const before = splitEntries(valueOf(this.lines[index]));
      const after: string[] = [];
      for (const entry of before) {
        const mapped = map(entry);
        if (mapped !== entry) changed += 1;
        if (mapped !== null) after.push(mapped);
      }
      if (after.length === before.length && after.every((entry, position) => entry === before[position])) continue;
      if (after.length === 0) this.lines.splice(index, 1);
      else this.replaceLine(index, key, `${after.join(';')};`);
    }
    return changed;
  }

  /** text — the whole file with the edits. */
  text(): string {
    return this.lines.map((line) => line.raw).join('\n');
  }

  private replaceLine(index: number, key: string, value: string): void {
    const line = this.lines[index];
    const indent = /^\s*/.exec(line.raw)?.[0] ?? '';
    const content = `${key} = ${value}`;
    const raw = `${indent}${content}${line.comment === '' ? '' : ` ${line.comment}`}${line.raw.endsWith('\r') ? '\r' : ''}`;
    this.lines[index] = { raw, content, comment: line.comment };
  }

  private keyLines(key: string): number[] {
    const { header, end } = this.bounds() as { header: number; end: number };
    const found: number[] = [];
    for (let index = header + 1; index < end; index++) if (keyOf(this.lines[index]) === key) found.push(index);
    return found;
  }

  private bounds(): { header: number; end: number } | null {
    let header = -1;
    for (let index = 0; index < this.lines.length; index++) {
      const name = sectionName(this.lines[index]);
      if (name === null) continue;
      if (header >= 0) return { header, end: index };
      if (name === this.groupName) header = index;
    }
    return header >= 0 ? { header, end: this.lines.length } : null;
  }
}

function toLine(raw: string): Line {
  const body = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const hash = body.indexOf('#');
  return { raw, content: (hash >= 0 ? body.slice(0, hash) : body).trim(), comment: hash >= 0 ? body.slice(hash) : '' };
}

function sectionName(line: Line): string | null {
  const match = /^\[\s*([^\]]*?)\s*\]$/.exec(line.content);
  return match ? match[1] : null;
}

function keyOf(line: Line): string | null {
  const equals = line.content.indexOf('=');
  if (equals <= 0 || line.content.startsWith('[')) return null;
  return line.content.slice(0, equals).trim();
}

function valueOf(line: Line): string {
  return line.content.slice(line.content.indexOf('=') + 1).trim();
}

function splitEntries(value: string): string[] {
  return value
    .split(';')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}
