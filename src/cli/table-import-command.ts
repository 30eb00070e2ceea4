/**
 * table-import-command — `tair-cs table import FILE --group NAME --data-dir DIR [--force]`.
 *
 * Converts the original's `<group>_server_table` into `DIR/NAME.table`, reads
 * it back to verify, and prints a JSON summary. An existing table is only replaced with --force.
 *
 *   done       exit 0, JSON summary on stdout
 *   failed     exit 1, `tair-cs table import: FILE: reason` on stderr
 *   bad usage  exit 2, one line on stderr
 */
import { access } from 'node:fs/promises';
import { readRegularFile } from '../common/bounded-read.js';
import { parseArgs } from 'node:util';
import { InputError, TairError } from '../errors.js';
import { slotCountMax } from '../limits.js';
import { describeReadError } from '../config/config-file.js';
import { importOriginalTable, originalTableHeaderBytes } from '../store/original-table.js';
import { groupNamePattern } from '../store/persisted-table.js';
import { loadGroupTable, saveGroupTable, tableFilePath } from '../store/table-store.js';

const usage = 'usage: tair-cs table import FILE --group NAME --data-dir DIR [--force]\n';
const originalFileBytesMax = originalTableHeaderBytes + 24 * slotCountMax;

interface ImportArgs {
  file: string;
  group: string;
  dataDir: string;
  force: boolean;
}

/** runTableImport — the arguments after `tair-cs table` (a leading `import` is accepted); returns the exit code. */
export async function runTableImport(argv: string[]): Promise<number> {
  const args = argv[0] === 'import' ? argv.slice(1) : argv;
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  const parsed = parseImportArgs(args);
  if (typeof parsed === 'string') {
    process.stderr.write(`tair-cs table import: ${parsed} (${usage.trim()})\n`);
    return 2;
  }
  try {
    const summary = await importFile(parsed);
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof TairError)) throw error;
    process.stderr.write(`tair-cs table import: ${parsed.file}: ${error.message}\n`);
    return 1;
  }
}

function parseImportArgs(args: string[]): ImportArgs | string {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { group: { type: 'string' }, 'data-dir': { type: 'string' }, force: { type: 'boolean' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) return `expected exactly one FILE, got ${positionals.length}`;
  if (!values.group) return 'missing --group NAME';
  if (!groupNamePattern.test(values.group)) return `--group '${values.group}' must be 1..63 of A-Z a-z 0-9 _`;
  if (!values['data-dir']) return 'missing --data-dir DIR';
  return { file: positionals[0], group: values.group, dataDir: values['data-dir'], force: values.force ?? false };
}

async function importFile(args: ImportArgs): Promise<Record<string, unknown>> {
  const bytes = await readOriginalFile(args.file);
  const table = importOriginalTable(bytes, args.group);
  const target = tableFilePath(args.dataDir, args.group);
  const exists = await access(target).then(
    () => true,
    () => false,
  );
  if (exists && !args.force) throw new InputError(`${target} already exists; pass --force to replace it`);
  await saveGroupTable(args.dataDir, table);
  const check = await loadGroupTable(args.dataDir, args.group);
  if (check.status !== 'ok') throw new InputError(`written table does not read back (${check.status})`);
  return {
    group: table.groupName,
    source: args.file,
    written: target,
    bucketCount: table.bucketCount,
    copyCount: table.copyCount,
    versions: table.versions,
    migrateBlockCount: table.migrateBlockCount,
    servers: table.servers,
  };
}

/** readOriginalFile — the file's bytes; a FIFO, a device or a directory is refused unread (never a hang). */
async function readOriginalFile(path: string): Promise<Uint8Array> {
  let read;
  try {
    read = await readRegularFile(path, originalFileBytesMax);
  } catch (error) {
    throw new InputError(describeReadError(error));
  }
  switch (read.kind) {
    case 'ok':
      return read.bytes;
    case 'missing':
      throw new InputError('file not found');
    case 'notRegular':
      throw new InputError(`${read.what}, not a regular file`);
    case 'tooLarge':
      throw new InputError(`${read.sizeBytes} bytes, larger than any original table this server can hold`);
  }
}
