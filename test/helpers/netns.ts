/**
 * netns — a small network lab of Linux network namespaces for tests and scripts that need other
 * source addresses than this host's (every 127.x address is loopback) or real network faults.
 * Needs root (`ip netns`); `netLabUnavailable()` says why it cannot run, and callers skip loudly.
 *
 *                       root namespace (this process, 10.S.0.1 on the bridge)
 *                      ┌──────────────────── bridge <p>b ─────────────────────┐
 *              veth <p>r0                 veth <p>r1                  veth <p>rN
 *                  │                          │                           │
 *   ns <p>n0  veth <p>v0 10.S.0.10   ns <p>n1  <p>v1 10.S.0.11  …  ns <p>nN  <p>vN 10.S.0.(10+N)
 *
 *   <p> = prefix (≤ 4 chars, one per user: hdn for the trust-boundary tests, another for etcd)
 *         + this pid in base 36 + `_` + a lab counter, so parallel test files and processes
 *         never collide and every interface name stays within Linux's 15 characters
 *   S   = the subnet octet: addresses are 10.S.0.x/16; by default a free one in 64..127, claimed
 *         with a lock directory under the temp dir (labs of parallel processes never share a subnet)
 *
 * Faults:
 *   cutLink(node) / healLink(node)   the node's cable: `ip link set down/up` on the root side —
 *                                    the node reaches nobody and nobody reaches it (root included)
 *   block(a, b) / unblock(a, b)      a partition between two nodes ('root' is one too), both
 *                                    directions, as blackhole routes in both namespaces: packets
 *                                    are dropped, established connections go silent, new connects
 *                                    fail; everyone else still reaches both
 * Running things inside:
 *   exec(node, cmd, args)            run to completion (ip netns exec), resolves with the output
 *   spawn(node, cmd, args)           a child process inside; `spawnNode(node, script, args)` for Node
 * destroy() removes the namespaces (their veths go with them), the bridge and root routes; a
 * process exit removes what is left, and `removeStaleLabs(prefix)` removes labs of dead pids.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isAlive } from '../../src/server/pid-file.js';

const execFileAsync = promisify(execFile);

/** NetNode — one namespace of the lab. */
export interface NetNode {
  name: string;
  namespace: string;
  ip: string;
  /** rootVeth — the root side of its cable (on the bridge). */
  rootVeth: string;
  /** nodeVeth — its side of the cable, inside the namespace. */
  nodeVeth: string;
}

/** NetLabOptions — who uses the lab and which nodes it has. */
export interface NetLabOptions {
  /** prefix — 1..4 lower-case letters or digits (a letter first) naming the user; part of every name. */
  prefix: string;
  /** nodes — the namespaces' names (used in calls), at most 100. */
  nodes: readonly string[];
  /** subnetOctet — S in 10.S.0.x (default: a free one in 64..127). */
  subnetOctet?: number;
}

const liveLabs = new Set<NetLab>();
let labCounter = 0;

/** netLabUnavailable — why a lab cannot be built here (null: it can). */
export function netLabUnavailable(): string | null {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'network namespaces need root (run the tests as root, as CI does)';
  return null;
}

/** NetLab — see the file comment. */
export class NetLab {
  readonly rootIp: string;
  private readonly nodes = new Map<string, NetNode>();
  private readonly blocks = new Set<string>();
  private destroyed = false;

  private constructor(
    readonly tag: string,
    readonly bridge: string,
    private readonly subnetOctet: number,
  ) {
    this.rootIp = `10.${subnetOctet}.0.1`;
  }

  /** create — build the bridge and one namespace per node. */
  static async create(options: NetLabOptions): Promise<NetLab> {
    if (!/^[a-z][a-z0-9]{0,3}$/.test(options.prefix))
      throw new Error(`netns: prefix must be 1..4 lower-case letters or digits, starting with a letter, got '${options.prefix}'`);
    if (options.nodes.length > 100) throw new Error('netns: at most 100 nodes');
    const tag = `${options.prefix}${process.pid.toString(36)}_${(labCounter++ % 36).toString(36)}`;
    const octet = options.subnetOctet ?? claimSubnet();
    const lab = new NetLab(tag, `${tag}b`, octet);
    liveLabs.add(lab);
    try {
      await run('ip', ['link', 'add', lab.bridge, 'type', 'bridge']);
      await run('ip', ['addr', 'add', `${lab.rootIp}/16`, 'dev', lab.bridge]);
      await run('ip', ['link', 'set', lab.bridge, 'up']);
      for (const [index, name] of options.nodes.entries()) await lab.addNode(name, index);
    } catch (error) {
      lab.destroy();
      throw error;
    }
    return lab;
  }

  /** node — a node by name. */
  node(name: string): NetNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`netns: no node '${name}'`);
    return node;
  }

  /** ipOf — a node's address; 'root' is this process's side of the bridge. */
  ipOf(name: string): string {
    return name === 'root' ? this.rootIp : this.node(name).ip;
  }

  /** exec — run a command inside the node to completion. */
  async exec(name: string, command: string, args: readonly string[] = []): Promise<{ stdout: string; stderr: string }> {
    return run('ip', ['netns', 'exec', this.node(name).namespace, command, ...args]);
  }

  /** spawn — a child process inside the node (`ip netns exec` replaces itself with it: the pid is the command's). */
  spawn(name: string, command: string, args: readonly string[] = [], options: SpawnOptions = {}): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.node(name).namespace, command, ...args], options);
  }

  /** spawnNode — a Node.js script inside the node. */
  spawnNode(name: string, script: string, args: readonly string[] = [], options: SpawnOptions = {}): ChildProcess {
    return this.spawn(name, process.execPath, [script, ...args], options);
  }

  /** cutLink — unplug the node's cable: it reaches nobody, nobody reaches it. */
  async cutLink(name: string): Promise<void> {
    await run('ip', ['link', 'set', this.node(name).rootVeth, 'down']);
  }

  /** healLink — plug it back in. */
  async healLink(name: string): Promise<void> {
    await run('ip', ['link', 'set', this.node(name).rootVeth, 'up']);
  }

  /** block — drop everything between `a` and `b` (either may be 'root'); the rest of the lab is untouched. */
  async block(a: string, b: string): Promise<void> {
    const key = [a, b].sort().join('|');
    if (this.blocks.has(key)) return;
    this.blocks.add(key);
    await this.route('add', a, this.ipOf(b));
    await this.route('add', b, this.ipOf(a));
  }

  /** unblock — let `a` and `b` talk again. */
  async unblock(a: string, b: string): Promise<void> {
    const key = [a, b].sort().join('|');
    if (!this.blocks.delete(key)) return;
    await this.route('del', a, this.ipOf(b));
    await this.route('del', b, this.ipOf(a));
  }

  /** destroy — remove every namespace, the bridge and our root routes (synchronous: also used at exit). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    liveLabs.delete(this);
    for (const key of this.blocks) {
      const [a, b] = key.split('|');
      if (a === 'root' || b === 'root') quiet(['route', 'del', 'blackhole', `${this.ipOf(a === 'root' ? b : a)}/32`]);
    }
    for (const node of this.nodes.values()) quiet(['netns', 'del', node.namespace]);
    quiet(['link', 'del', this.bridge]);
    releaseSubnet(this.subnetOctet);
  }

  private async addNode(name: string, index: number): Promise<void> {
    if (name === 'root' || this.nodes.has(name)) throw new Error(`netns: bad or repeated node name '${name}'`);
    const node: NetNode = {
      name,
      namespace: `${this.tag}n${index}`,
      ip: `10.${this.subnetOctet}.0.${10 + index}`,
      rootVeth: `${this.tag}r${index}`,
      nodeVeth: `${this.tag}v${index}`,
    };
    this.nodes.set(name, node);
    await run('ip', ['netns', 'add', node.namespace]);
    await run('ip', ['link', 'add', node.rootVeth, 'type', 'veth', 'peer', 'name', node.nodeVeth]);
    await run('ip', ['link', 'set', node.nodeVeth, 'netns', node.namespace]);
    await run('ip', ['link', 'set', node.rootVeth, 'master', this.bridge]);
    await run('ip', ['link', 'set', node.rootVeth, 'up']);
    const inside = (...args: string[]) => run('ip', ['netns', 'exec', node.namespace, 'ip', ...args]);
    await inside('addr', 'add', `${node.ip}/16`, 'dev', node.nodeVeth);
    await inside('link', 'set', node.nodeVeth, 'up');
    await inside('link', 'set', 'lo', 'up');
  }

  private async route(action: 'add' | 'del', from: string, toIp: string): Promise<void> {
    const args = ['route', action, 'blackhole', `${toIp}/32`];
    if (from === 'root') await run('ip', args);
    else await run('ip', ['netns', 'exec', this.node(from).namespace, 'ip', ...args]);
  }
}

/** removeStaleLabs — remove namespaces and bridges of this prefix whose process is gone. */
export function removeStaleLabs(prefix: string): void {
  const names = [
    ...execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.split(' ')[0]),
    ...execFileSync('ip', ['-o', 'link', 'show', 'type', 'bridge'], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.split(': ')[1] ?? ''),
  ];
  const pattern = new RegExp(`^${prefix}([0-9a-z]+)_[0-9a-z]([nb])(\\d*)$`);
  for (const name of names) {
    const match = pattern.exec(name);
    if (!match) continue;
    const pid = Number.parseInt(match[1], 36);
    if (pid === process.pid || isAlive(pid)) continue;
    quiet(match[2] === 'n' ? ['netns', 'del', name] : ['link', 'del', name]);
  }
}

const subnetLocks = join(tmpdir(), 'tair-cs-netlab');

/** claimSubnet — a subnet octet no live process holds (a lock directory holding the owner's pid). */
function claimSubnet(): number {
  mkdirSync(subnetLocks, { recursive: true });
  for (let attempt = 0; attempt < 64; attempt++) {
    const octet = 64 + ((process.pid + attempt) % 64);
    const dir = join(subnetLocks, String(octet));
    try {
      mkdirSync(dir);
    } catch {
      const owner = Number(readFileSync(join(dir, 'pid'), { encoding: 'utf8', flag: 'a+' }) || '0');
      if (owner === process.pid || (owner > 0 && isAlive(owner))) continue;
    }
    writeFileSync(join(dir, 'pid'), String(process.pid));
    return octet;
  }
  throw new Error('netns: no free subnet in 10.64..127');
}

function releaseSubnet(octet: number): void {
  rmSync(join(subnetLocks, String(octet)), { recursive: true, force: true });
}

async function run(command: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync(command, [...args], { encoding: 'utf8' });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`netns: ${command} ${args.join(' ')} failed: ${stderr.trim() || (error as Error).message}`);
  }
}

function quiet(args: readonly string[]): void {
  try {
    execFileSync('ip', [...args], { stdio: 'ignore' });
  } catch {
    // already gone
  }
}

process.once('exit', () => {
  for (const lab of [...liveLabs]) lab.destroy();
});
