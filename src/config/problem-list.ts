/**
 * problem-list — collects every ConfigProblem of one file, bounded, sorted by line at the end.
 *
 * The parser never stops at the first problem (the original silently truncated the file at its
 * first bad line); it records each one here and carries on.
 */
import type { ConfigProblem } from '../errors.js';
import { configProblemCountMax } from '../limits.js';

/** fileProblemKey — the `key` of a problem about the whole file (missing, too big, unreadable). */
export const fileProblemKey = '(file)';
/** syntaxProblemKey — the `key` of a problem about a line that is neither a section nor `key = value`. */
export const syntaxProblemKey = '(syntax)';

/** ProblemList — an append-only list of problems for one file, capped at configProblemCountMax. */
export class ProblemList {
  readonly file: string;
  private readonly items: ConfigProblem[] = [];
  private droppedCount = 0;

  constructor(file: string) {
    this.file = file;
  }

  /** add — records one problem; past the cap it only counts it. */
  add(line: number, key: string, message: string): void {
    if (this.items.length < configProblemCountMax) {
      this.items.push({ file: this.file, line, key, message });
    } else {
      this.droppedCount += 1;
    }
  }

  /** isEmpty — true while nothing has been recorded. */
  isEmpty(): boolean {
    return this.items.length === 0;
  }

  /** toArray — the problems ordered by line (stable), plus one summary line when some were dropped. */
  toArray(): ConfigProblem[] {
    const sorted = this.items.map((p, i) => ({ p, i }));
    sorted.sort((a, b) => a.p.line - b.p.line || a.i - b.i);
    const result = sorted.map((entry) => entry.p);
    if (this.droppedCount > 0) {
      const last = result[result.length - 1];
      result.push({
        file: this.file,
        line: last.line,
        key: fileProblemKey,
        message: `${this.droppedCount} more problems not shown (fix the ones above first)`,
      });
    }
    return result;
  }
}
