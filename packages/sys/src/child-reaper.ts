/**
 * The one SIGCHLD handler of a process that starts its children with spawnProcess: at each SIGCHLD
 * it reaps with waitpid(-1, WNOHANG) until nothing is left, and hands each exit to the callback
 * registered for that pid. The cost of an exit is one wait4 call (plus one that finds nothing per
 * batch), whatever the number of children; libuv's child_process instead calls waitpid on every
 * child it has at every SIGCHLD. Exits of pids nobody registered are orphans reparented to us (PID 1
 * or a child subreaper): reaped and dropped.
 *
 * A process that uses this must start every child through spawnProcess (or register it here):
 * a child of Node's child_process would be reaped here and its ChildProcess never see its exit.
 */
import { constants } from 'node:os';
import { waitAnyNoHang } from './libc.js';

/** How a child ended: its exit code, or the signal that killed it. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const signalNames: Record<number, NodeJS.Signals> = {};
for (const [name, num] of Object.entries(constants.signals)) signalNames[num] ??= name as NodeJS.Signals;

const waiting = new Map<number, (how: ChildExit) => void>();
let listening = false;
let orphans = 0;
let onOrphan: ((pid: number) => void) | undefined;
/** Keeps the event loop alive while a child is waited for (a signal listener alone does not), as a ChildProcess does. */
let keepAlive: NodeJS.Timeout | undefined;

function holdLoop(on: boolean): void {
  if (on) (keepAlive ??= setInterval(() => {}, 2 ** 30)).ref();
  else keepAlive?.unref();
}

/** Decodes a wait status (WIFEXITED / WIFSIGNALED). */
export function decodeWaitStatus(status: number): ChildExit {
  const sig = status & 0x7f;
  if (sig === 0) return { code: (status >> 8) & 0xff, signal: null };
  return { code: null, signal: signalNames[sig] ?? (`SIG${sig}` as NodeJS.Signals) };
}

/** Reaps every child that has ended; returns how many. */
export function reapChildren(): number {
  let n = 0;
  for (let r = waitAnyNoHang(); r; r = waitAnyNoHang()) {
    n++;
    const cb = waiting.get(r.pid);
    if (!cb) {
      orphans++;
      onOrphan?.(r.pid);
      continue;
    }
    waiting.delete(r.pid);
    if (waiting.size === 0) holdLoop(false);
    try {
      cb(decodeWaitStatus(r.status));
    } catch (e) {
      queueMicrotask(() => { throw e; }); // reported as any uncaught error, once the other exits are reaped
    }
  }
  return n;
}

/** Installs the SIGCHLD handler (once); reaps what ended before. `orphan` is told the pid of each orphan reaped. */
export function startReaping(orphan?: (pid: number) => void): void {
  if (orphan) onOrphan = orphan;
  if (listening) return;
  listening = true;
  process.on('SIGCHLD', reapChildren);
  reapChildren();
}

/**
 * Calls `cb` once when child `pid` has ended (and been reaped). Register right after spawning, in
 * the same tick: the exit is only looked for when the SIGCHLD reaches the event loop.
 */
export function onChildExit(pid: number, cb: (how: ChildExit) => void): void {
  waiting.set(pid, cb);
  holdLoop(true);
  startReaping();
}

/** How many orphans (children nobody waited for) were reaped so far. */
export function orphansReaped(): number {
  return orphans;
}
