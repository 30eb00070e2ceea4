/**
 * child-ipc — the small message protocol between the benchmark's processes (child_process.fork).
 *
 *   orchestrator ──{ type: 'cpu' }──▶ target      target ──{ type: 'cpu', usage }──▶ orchestrator
 *   orchestrator ──{ type: 'stop' }─▶ any child   child exits
 */
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';

/** ChildMessage — any message a child sends. */
export type ChildMessage = { type: string } & Record<string, unknown>;

/** forkChild — start `script` (a compiled .js) with IPC. */
export function forkChild(script: string, args: string[] = []): ChildProcess {
  return fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** nextMessage — the child's next message of `type`. */
export function nextMessage<T extends ChildMessage>(child: ChildProcess, type: string, timeoutMs = 120_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`no '${type}' message within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: ChildMessage) => {
      if (message.type !== type) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message as T);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before '${type}'`)));
  });
}

/** ask — send a request and wait for the answer of the same type. */
export async function ask<T extends ChildMessage>(child: ChildProcess, message: ChildMessage, timeoutMs?: number): Promise<T> {
  const answer = nextMessage<T>(child, message.type, timeoutMs);
  child.send(message);
  return answer;
}

/** stopChild — ask a child to stop and wait for it to exit. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.send({ type: 'stop' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** serveCpuRequests — in a target: answer 'cpu' with process.cpuUsage(), run `stop` on 'stop'. */
export function serveCpuRequests(stop: () => Promise<void>): void {
  process.on('message', (message: ChildMessage) => {
    if (message.type === 'cpu') process.send?.({ type: 'cpu', usage: process.cpuUsage() });
    if (message.type === 'stop') void stop().then(() => process.exit(0));
  });
}
