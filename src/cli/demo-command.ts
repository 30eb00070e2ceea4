/**
 * demo-command — `tair-cs demo [--config configserver.conf]`: a whole cluster on this machine,
 * what `npm start` runs, as a small lab. One config server and every data server of the first
 * group of its group.conf (reference data servers), as child processes with their logs and pid
 * files in the data directory (demo-plan.ts), so this terminal shows what a person needs: where
 * things are, how to talk to them, and how to bring a data server back.
 *
 *   tair-cs demo [--config FILE]                  run it; Ctrl-C stops everything
 *   tair-cs demo restart PORT [--config FILE]     from another terminal: start a data server of
 *                                                 the running demo again, or one added to
 *                                                 group.conf since (`start` is the same); typed
 *                                                 into the demo: `restart PORT` (demo-console.ts)
 *   tair-cs demo stop PORT [--config FILE]        stop one of its data servers (SIGTERM)
 *
 *   exit 0   stopped by Ctrl-C / SIGTERM (demo); the data server started or stopped
 *   exit 1   bad configuration; a pid file names a running process or a port is taken (the
 *            demo starts nothing); the config server died; restart: no demo, or it runs
 *            already; stop: it is not running
 *   exit 2   bad usage
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fetchGroupTable } from '../client/index.js';
import { parseServerAddress } from '../common/server-id.js';
import { ConfigError, formatConfigProblem, InputError } from '../errors.js';
import { livePid, releasePidFile } from '../server/pid-file.js';
import { claimPidFile } from './claim-pid-file.js';
import { defaultConfigCandidates, defaultConfigPath } from './default-config.js';
import { consoleHelp, startDemoConsole } from './demo-console.js';
import { type DemoDataServer, type DemoPlan, findDataServer, findStoppableDataServer, loadDemoPlan } from './demo-plan.js';
import { demoPreflight, portTaken } from './demo-preflight.js';
import { configOption, DemoProcesses, launchDetached } from './demo-processes.js';
import { packageDir } from './version.js';

const usage = `usage: tair-cs demo [--config FILE]
       tair-cs demo (restart | start | stop) PORT [--config FILE]

  --config FILE   configserver.conf of the demo (default: the first of ${defaultConfigCandidates.join(', ')} that exists)
  restart PORT    start a data server of the running demo again, or one added to group.conf since
                  (PORT or ip:port; \`start\` is the same)
  stop PORT       stop a data server of the demo (SIGTERM)
`;

type Subcommand = 'restart' | 'stop';
const subcommands: Record<string, Subcommand> = { restart: 'restart', start: 'restart', stop: 'stop' };

/** readyTimeoutMs — how long the demo waits for the first table before saying so. */
const readyTimeoutMs = 60_000;
const stopSignals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** restartWaitMs — how long `demo restart` waits for the data server to take its pid file. */
const restartWaitMs = 5000;

/** run — start the demo (or restart one of its data servers); resolves with the exit code. */
export async function run(argv: string[]): Promise<number> {
  let parsed: { subcommand: { name: Subcommand; operand: string } | null; configPath: string };
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    });
    if (values.help) {
      process.stdout.write(usage);
      return 0;
    }
    const [command, operand, ...rest] = positionals;
    const name = command === undefined ? undefined : subcommands[command];
    if (command !== undefined && (name === undefined || operand === undefined || rest.length > 0))
      throw new InputError(`unexpected arguments: ${positionals.join(' ')}`);
    parsed = { subcommand: name && operand !== undefined ? { name, operand } : null, configPath: values.config ?? defaultConfigPath() };
  } catch (error) {
    process.stderr.write(`tair-cs demo: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (!existsSync(parsed.configPath)) {
    const examples = join(packageDir().dir, 'examples');
    return fail(`${parsed.configPath} does not exist: give --config FILE, or start from the examples (cp ${examples}/*.conf .)`);
  }
  let plan: DemoPlan;
  try {
    plan = await loadDemoPlan(parsed.configPath);
  } catch (error) {
    const message = error instanceof ConfigError ? error.problems.map(formatConfigProblem).join('\n') : (error as Error).message;
    process.stderr.write(`tair-cs demo: ${message}\n`);
    return 1;
  }
  if (parsed.subcommand === null) return runDemo(plan);
  const { name, operand } = parsed.subcommand;
  let server: DemoDataServer;
  try {
    server = name === 'restart' ? findDataServer(plan, operand) : findStoppableDataServer(plan, operand);
  } catch (error) {
    return fail((error as Error).message, 2);
  }
  return name === 'restart' ? restart(plan, server) : stop(server);
}

function fail(message: string, code = 1): number {
  process.stderr.write(`tair-cs demo: ${message}\n`);
  return code;
}

async function runDemo(plan: DemoPlan): Promise<number> {
  const problems = await demoPreflight(plan);
  if (problems.length > 0) {
    process.stderr.write(`tair-cs demo: refusing to start, nothing was started:\n${problems.map((problem) => `  ${problem}\n`).join('')}`);
    return 1;
  }
  if (!claimPidFile(plan.demoPidFile, 'demo')) return 1;
  const say = (line: string): void => {
    if (line !== '') process.stdout.write(`${line}\n`);
  };
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const processes = new DemoProcesses(plan, process.argv[1], say, () => finish(1));
  processes.startConfigServer();
  for (const server of plan.dataServers) say(`demo: ${await processes.startDataServer(server)}`);
  // Ctrl-C, SIGTERM, or the terminal going away: stop everything (repeats are ignored).
  const onSignal = (): void => finish(0);
  for (const name of stopSignals) process.on(name, onSignal);
  printIntro(plan);
  const typed = startDemoConsole(plan, processes, say);
  const ready = await Promise.race([reportReady(plan, processes), finished.then(() => 'stopped')]);
  say(ready === 'stopped' ? '' : ready);
  const code = await finished;
  say('demo: stopping');
  typed.close();
  await processes.stopAll();
  releasePidFile(plan.demoPidFile);
  for (const name of stopSignals) process.off(name, onSignal);
  return code;
}

/** restart — `tair-cs demo restart PORT`: a data server of the running demo, started again. */
async function restart(plan: DemoPlan, server: DemoDataServer): Promise<number> {
  if (livePid(plan.demoPidFile) === null)
    return fail(`no demo is running (${plan.demoPidFile} names no live process): start one with \`tair-cs demo${configOption(plan)}\``);
  const running = livePid(server.pidFile);
  if (running !== null) return fail(`data server ${server.address} is running already (pid ${running})`);
  const taken = await portTaken('127.0.0.1', server.port);
  if (taken !== null) return fail(`port ${server.port} is taken (${taken})`);
  const child = launchDetached(plan, server, process.argv[1]);
  const deadline = Date.now() + restartWaitMs;
  while (Date.now() < deadline && child.exitCode === null && livePid(server.pidFile) !== child.pid) await new Promise((resolve) => setTimeout(resolve, 50));
  if (livePid(server.pidFile) !== child.pid) return fail(`data server ${server.address} did not start; see ${server.logFile}`);
  process.stdout.write(`demo: data server ${server.address} started again (pid ${child.pid}); log ${server.logFile}\n`);
  return 0;
}

/** stop — `tair-cs demo stop PORT`: SIGTERM to the data server its pid file names. */
async function stop(server: DemoDataServer): Promise<number> {
  const pid = livePid(server.pidFile);
  if (pid === null) return fail(`data server ${server.address} is not running (${server.pidFile} names no live process)`);
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + restartWaitMs;
  while (Date.now() < deadline && livePid(server.pidFile) === pid) await new Promise((resolve) => setTimeout(resolve, 50));
  process.stdout.write(`demo: data server ${server.address} (pid ${pid}) stopped\n`);
  return 0;
}

function printIntro(plan: DemoPlan): void {
  const cs = plan.configServers.join(',');
  const client = `npx tair-cs client --config-servers ${cs} --group ${plan.groupName}`;
  const [, second] = plan.dataServers;
  const example = (second ?? plan.dataServers[0]).port;
  process.stdout.write(
    [
      `demo: config server ${cs}, group ${plan.groupName}, data servers ${plan.dataServers.map((server) => server.address).join(' ')}`,
      `demo: logs and pid files in ${plan.dataDir}${plan.configServer.httpPort ? `; status page http://${plan.configServer.ip}:${plan.configServer.httpPort}/` : ''}`,
      'demo: in another terminal, try',
      `  npx tair-cs status${configOption(plan)}`,
      `  ${client} put hello world`,
      `  ${client} get hello`,
      `  ${client} table`,
      `demo: a data server that dies can be started again: type \`restart ${example}\` here, or run \`npx tair-cs demo restart ${example}${configOption(plan)}\``,
      consoleHelp,
      'demo: a data server died / came back / is replaced / is added / is drained: the runbook in docs/operations.md',
      'demo: Ctrl-C stops the cluster',
      '',
    ].join('\n'),
  );
}

// Poll the config server until the group has a table, then say so once; never while ours is down.
async function reportReady(plan: DemoPlan, processes: DemoProcesses): Promise<string> {
  const addresses = plan.configServers.map((text) => parseServerAddress(text, plan.configServer.port));
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline && processes.configServerRunning()) {
    try {
      const { table } = await fetchGroupTable({
        configServers: addresses,
        groupName: plan.groupName,
        knownVersion: 0,
        epoch: 0n,
        startIndex: 0,
        timeoutMs: 1000,
      });
      if (table && processes.configServerRunning()) return `demo: ready — ${plan.groupName} has ${table.bucketCount} buckets × ${table.copyCount} copies`;
    } catch {
      // Not up yet: the config server waits for its settle window before the first build.
    }
    await new Promise((done) => setTimeout(done, 500));
  }
  return processes.configServerRunning() ? `demo: no table yet after ${readyTimeoutMs / 1000} s; see the logs in ${plan.dataDir}` : '';
}
