/**
 * client-command — `tair-cs client --config-servers a:p[,b:p] --group G <command>`:
 *
 *   put KEY VALUE   store VALUE under KEY                      exit 0
 *   get KEY         print the value and a newline              exit 0; missing key: exit 1
 *   delete KEY      remove KEY                                 exit 0; missing key: exit 1
 *   table           print the table summary as JSON            exit 0
 *
 * No usable config server (unreachable, unknown group, no table yet) or a request that keeps
 * failing: exit 1 with the reason on stderr. Bad arguments: exit 2, one line on stderr.
 */
import { parseArgs } from 'node:util';
import { InputError } from '../errors.js';
import { defaultConfigServerPort, parseServerAddress, type ServerAddress } from '../common/server-id.js';
import { TairClient } from '../client/tair-client.js';

const usage = 'usage: tair-cs client --config-servers ip:port[,ip:port] --group NAME (put KEY VALUE | get KEY | delete KEY | table)\n';

const argumentCounts: Record<string, number> = { put: 2, get: 1, delete: 1, table: 0 };

interface ClientArgs {
  configServers: ServerAddress[];
  groupName: string;
  command: string;
  operands: string[];
}

/** run — the arguments after `tair-cs client`; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage);
    return 0;
  }
  let args: ClientArgs;
  try {
    args = parseClientArgs(argv);
  } catch (error) {
    process.stderr.write(`tair-cs client: ${(error as Error).message}\n`);
    return 2;
  }
  let client: TairClient;
  try {
    client = await TairClient.open({ configServers: args.configServers, groupName: args.groupName, refreshIntervalMs: 0 });
  } catch (error) {
    process.stderr.write(`tair-cs client: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    return await execute(client, args);
  } catch (error) {
    process.stderr.write(`tair-cs client: ${(error as Error).message}\n`);
    return error instanceof InputError ? 2 : 1;
  } finally {
    client.close();
  }
}

async function execute(client: TairClient, args: ClientArgs): Promise<number> {
  const [key, value] = args.operands;
  switch (args.command) {
    case 'put':
      await client.put(key, value);
      return 0;
    case 'get': {
      const found = await client.get(key);
      if (found === null) return notFound(key);
      process.stdout.write(`${found.toString('utf8')}\n`);
      return 0;
    }
    case 'delete':
      return (await client.remove(key)) ? 0 : notFound(key);
    default:
      process.stdout.write(`${JSON.stringify(client.table.summary(), null, 2)}\n`);
      return 0;
  }
}

function notFound(key: string): number {
  process.stderr.write(`tair-cs client: key '${key}' not found\n`);
  return 1;
}

function parseClientArgs(argv: string[]): ClientArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { 'config-servers': { type: 'string' }, group: { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  if (!values['config-servers']) throw new InputError('missing --config-servers ip:port[,ip:port]');
  if (!values.group) throw new InputError('missing --group NAME');
  const configServers = values['config-servers']
    .split(',')
    .filter((entry) => entry.trim() !== '')
    .map((entry) => parseServerAddress(entry, defaultConfigServerPort));
  if (configServers.length === 0) throw new InputError('--config-servers lists no server');
  const [command, ...operands] = positionals;
  if (command === undefined) throw new InputError('missing command (put, get, delete, table)');
  const expected = argumentCounts[command];
  if (expected === undefined) throw new InputError(`unknown command '${command}' (put, get, delete, table)`);
  if (operands.length !== expected) {
    throw new InputError(`${command} takes ${expected} argument${expected === 1 ? '' : 's'}, got ${operands.length}`);
  }
  if (operands.length > 0 && operands[0] === '') throw new InputError('the key is empty');
  return { configServers, groupName: values.group, command, operands };
}
