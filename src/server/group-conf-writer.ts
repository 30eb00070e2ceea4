/**
 * group-conf-writer — read-modify-write of group.conf, one edit at a time, replaced atomically:
 *
 *   read ─▶ edit (pure) ─▶ writeFileDurably (unique temp file, fsync, rename, fsync dir) ─▶ group.conf
 *
 * The temp name is unique per edit (the original shared `<file>.<pid>` between concurrent
 * edits) and the file keeps its permissions. A reader sees the old file or the new one, never
 * a mix; the config watcher then reloads it.
 */
import { readFile } from 'node:fs/promises';
import { writeFileDurably } from '../common/durable-file.js';

/** GroupConfEdit — a pure edit: the new text, or null to leave the file alone, plus a result. */
export type GroupConfEdit<R> = (text: string) => { text: string | null; result: R };

/** GroupConfWriter — serializes edits of one group.conf. */
export class GroupConfWriter {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  /** edit — apply `edit` to the file's current text; rejects when the file cannot be read or replaced. */
  edit<R>(edit: GroupConfEdit<R>): Promise<R> {
    const run = this.chain.then(() => this.editOnce(edit));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** read — the file's current text (after any edit in progress). */
  read(): Promise<string> {
    const run = this.chain.then(() => readFile(this.file, 'utf8'));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async editOnce<R>(edit: GroupConfEdit<R>): Promise<R> {
    const before = await readFile(this.file, 'utf8');
    const { text, result } = edit(before);
    if (text !== null && text !== before) await writeFileDurably(this.file, text, { keepMode: true });
    return result;
  }
}
