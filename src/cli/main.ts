#!/usr/bin/env node
/**
 * main — the `tair-cs` command: dispatches to one module per top-level command.
 *
 * Every command module exports `run(argv): Promise<number>` (the exit code). Bad arguments
 * print one line on stderr and exit 2.
 */
import { commandModules } from './commands.js';
import { packageVersion } from './version.js';

async function main(argv: string[]): Promise<number> {
  const name = argv[0];
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const load = commandModules[name];
  if (!load) {
    process.stderr.write(`tair-cs: unknown command '${name}' (try tair-cs --help)\n`);
    return 2;
  }
  const module = await load();
  return module.run(argv.slice(1));
}

function usage(): string {
  return [
    'usage: tair-cs <command> [options]',
    '',
    'commands:',
    ...Object.keys(commandModules).map((name) => `  ${name}`),
    '',
    "run `tair-cs <command> --help` for a command's options, `tair-cs --version` for the version",
    '',
  ].join('\n');
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`tair-cs: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
