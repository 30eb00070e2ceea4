/**
 * demo-processes — the demo's processes: started with their output appended to their log file,
 * told apart by their pid files, and stopped together.
 *
 *   startConfigServer / startDataServer   children of the demo (a data server refuses to start
 *                                         over a live pid file or a taken port)
 *   launchDetached                        a data server for `tair-cs demo restart` from another
 *                                         terminal: not a child, found again by its pid file
 *   stopAll                               SIGTERM to the children and to every data server a pid
 *                                         file in the data directory names (servers added to
 *                                         group.conf since the start too), SIGKILL after stopWaitMs
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { livePid } from '../server/pid-file.js';
import { type DemoDataServer, type DemoPlan, dataServerArgs } from './demo-plan.js';
import { portTaken } from './demo-preflight.js';

/** stopWaitMs — how long the processes get to stop cleanly before SIGKILL. */
const stopWaitMs = 10_000;
const pollMs = 50;

/** spawnLogged — `node main args…` with stdout and stderr appended to `logFile`. */
export function spawnLogged(main: string, args: string[], logFile: string, detached: boolean): ChildProcess {
  mkdirSync(dirname(logFile), { recursive: true });
  const log = openSync(logFile, 'a');
  try {
    return spawn(process.execPath, [main, ...args], { stdio: ['ignore', log, log], detached });
  } finally {
    closeSync(log);
  }
}

/** DemoProcesses — see the file comment. */
export class DemoProcesses {
  private readonly children = new Map<string, ChildProcess>();
  private stopping = false;

  constructor(
    private readonly plan: DemoPlan,
    private readonly main: string,
    private readonly say: (line: string) => void,
    private readonly configServerExited: () => void,
  ) {}

  /** startConfigServer — `tair-cs start` on the demo's configserver.conf. */
  startConfigServer(): void {
    const child = spawnLogged(this.main, ['start', '--config', this.plan.configPath], this.plan.configServer.outputFile, false);
    this.children.set('config-server', child);
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      this.say(`demo: the config server exited (${signal ?? `code ${code}`}); see ${this.plan.configServer.logFile}`);
      this.configServerExited();
    });
  }

  /** configServerRunning — the config server child has not exited. */
  configServerRunning(): boolean {
    const child = this.children.get('config-server');
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** runningPid — the data server's process when one runs (a child, or whatever its pid file names). */
  runningPid(server: DemoDataServer): number | null {
    const child = this.children.get(String(server.port));
    if (child && child.exitCode === null && child.signalCode === null && child.pid !== undefined) return child.pid;
    return livePid(server.pidFile);
  }

  /** startDataServer — start it unless it runs or its port is taken; returns what happened. */
  async startDataServer(server: DemoDataServer): Promise<string> {
    const running = this.runningPid(server);
    if (running !== null) return `data server ${server.address} is running already (pid ${running})`;
    const taken = await portTaken('127.0.0.1', server.port);
    if (taken !== null) return `cannot start data server ${server.address}: port ${server.port} is taken (${taken})`;
    const child = spawnLogged(this.main, dataServerArgs(this.plan, server), server.logFile, false);
    this.children.set(String(server.port), child);
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      this.say(
        `demo: data server ${server.address} exited (${signal ?? `code ${code}`}); log ${server.logFile}. ` +
          `Bring it back: type \`restart ${server.port}\` here, or run \`tair-cs demo restart ${server.port}${configOption(this.plan)}\``,
      );
    });
    return `data server ${server.address} started (pid ${child.pid})`;
  }

  /** stopDataServer — SIGTERM to the data server, wherever it was started from. */
  stopDataServer(server: DemoDataServer): string {
    const pid = this.runningPid(server);
    if (pid === null) return `data server ${server.address} is not running`;
    process.kill(pid, 'SIGTERM');
    return `data server ${server.address} (pid ${pid}) stopping`;
  }

  /** stopAll — see the file comment; resolves once every process is gone. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    const pids = new Set<number>();
    for (const child of this.children.values()) if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) pids.add(child.pid);
    for (const pidFile of dataServerPidFiles(this.plan.dataDir)) {
      const pid = livePid(pidFile);
      if (pid !== null) pids.add(pid);
    }
    for (const pid of pids) signal(pid, 'SIGTERM');
    const deadline = Date.now() + stopWaitMs;
    while ([...pids].some(isRunning) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, pollMs));
    for (const pid of pids) if (isRunning(pid)) signal(pid, 'SIGKILL');
  }
}

/** launchDetached — a data server outside the demo's process tree (`tair-cs demo restart`). */
export function launchDetached(plan: DemoPlan, server: DemoDataServer, main: string): ChildProcess {
  const child = spawnLogged(main, dataServerArgs(plan, server), server.logFile, true);
  child.unref();
  return child;
}

/** dataServerPidFiles — every `data-server-<port>.pid` in the data directory. */
export function dataServerPidFiles(dataDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dataDir);
  } catch {
    return [];
  }
  return names.filter((name) => /^data-server-\d{1,5}\.pid$/.test(name)).map((name) => join(dataDir, name));
}

/** configOption — ` --config FILE` unless the demo runs on the default file. */
export function configOption(plan: DemoPlan): string {
  return plan.usesDefaultConfig ? '' : ` --config ${plan.configPath}`;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Gone already.
  }
}
