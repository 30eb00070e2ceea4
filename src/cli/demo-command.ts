/**
 * demo-command — `tair-cs demo [--config configserver.conf]`: a whole cluster on this machine,
 * what `npm start` runs. One config server and every data server of the first group of its
 * group.conf (reference data servers), as child processes; their logs go to files in the data
 * directory so this terminal shows what a person needs: where things are and how to talk to them.
 * Ctrl-C stops everything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fetchGroupTable } from '../client/index.js';
import { loadConfigServerConf } from '../config/configserver-conf.js';
import { loadGroupConf } from '../config/group-conf.js';
import { ConfigError, formatConfigProblem } from '../errors.js';
import { parseServerAddress } from '../common/server-id.js';

const usage = `usage: tair-cs demo [--config FILE]

  --config FILE   configserver.conf of the demo (default examples/configserver.conf)
`;

/** readyTimeoutMs — how long the demo waits for the first table before saying so. */
const readyTimeoutMs = 60_000;

/** run — start the demo cluster; resolves with the exit code once it has been stopped. */
export async function run(argv: string[]): Promise<number> {
  let configPath: string;
  try {
    const { values } = parseArgs({
      args: argv,
      options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(usage);
      return 0;
    }
    configPath = resolve(values.config ?? 'examples/configserver.conf');
  } catch (error) {
    process.stderr.write(`tair-cs demo: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  let config;
  let group;
  try {
    config = await loadConfigServerConf(configPath);
    const groups = await loadGroupConf(config.groupFile, { defaultDataServerPort: config.dataServerPort });
    if (groups.problems.length > 0) throw new ConfigError(groups.problems);
    group = groups.groups[0];
    if (!group) throw new Error(`${config.groupFile} has no group`);
  } catch (error) {
    const message = error instanceof ConfigError ? error.problems.map(formatConfigProblem).join('\n') : String(error);
    process.stderr.write(`tair-cs demo: ${message}\n`);
    return 1;
  }
  mkdirSync(config.dataDir, { recursive: true });
  const main = process.argv[1];
  const children: ChildProcess[] = [];
  const launch = (name: string, args: string[]): void => {
    const log = openSync(join(config.dataDir, `${name}.log`), 'a');
    const child = spawn(process.execPath, [main, ...args], { stdio: ['ignore', log, log] });
    child.on('exit', (code, signal) => {
      if (!stopping) process.stdout.write(`demo: ${name} exited (${signal ?? code}); see ${join(config.dataDir, `${name}.log`)}\n`);
    });
    children.push(child);
  };
  let stopping = false;
  launch('config-server', ['start', '--config', configPath]);
  for (const server of group.servers) {
    const { port } = parseServerAddress(server.id, config.dataServerPort);
    launch(`data-server-${port}`, ['dataserver', '--port', String(port), '--config-servers', config.configServers.join(','), '--group', group.name]);
  }
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('demo: stopping\n');
    for (const child of children) child.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  printIntro(config.configServers, group.name, group.servers.map((server) => server.id), config.dataDir, config.httpPort);
  await reportReady(config.configServers, group.name);
  await Promise.all(children.map((child) => new Promise((done) => (child.exitCode !== null ? done(null) : child.on('exit', done)))));
  return 0;
}

function printIntro(configServers: string[], groupName: string, dataServers: string[], dataDir: string, httpPort: number | null): void {
  const cs = configServers.join(',');
  process.stdout.write([
    `demo: config server ${cs}, group ${groupName}, data servers ${dataServers.join(' ')}`,
    `demo: logs in ${dataDir}/*.log${httpPort ? `; status page http://127.0.0.1:${httpPort}/` : ''}`,
    'demo: in another terminal, try',
    `  npx tair-cs client --config-servers ${cs} --group ${groupName} put hello world`,
    `  npx tair-cs client --config-servers ${cs} --group ${groupName} get hello`,
    `  npx tair-cs client --config-servers ${cs} --group ${groupName} table`,
    'demo: Ctrl-C stops the cluster',
    '',
  ].join('\n'));
}

// Poll the config server until the group has a table, then say so once.
async function reportReady(configServers: string[], groupName: string): Promise<void> {
  const addresses = configServers.map((text) => parseServerAddress(text, 5198));
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    try {
      const { table } = await fetchGroupTable({ configServers: addresses, groupName, knownVersion: 0, epoch: 0n, startIndex: 0, timeoutMs: 1000 });
      if (table) {
        process.stdout.write(`demo: ready — ${groupName} has ${table.bucketCount} buckets × ${table.copyCount} copies\n`);
        return;
      }
    } catch {
      // Not up yet: the config server waits for its settle window before the first build.
    }
    await new Promise((done) => setTimeout(done, 500));
  }
  process.stdout.write('demo: no table yet after 60 s; see the logs\n');
}
