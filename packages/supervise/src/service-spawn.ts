/**
 * The programs a supervisor runs for its service: starting ./run (or the owner's ExecSpec) with its
 * readiness notification pipe and ./finish with its arguments, and, while they run, their identity,
 * their exits and the notification (s6's protocol).
 */
import { Socket } from 'node:net';
import { closeQuiet, O_CLOEXEC, onChildExit, pipe2, spawnProcess } from '@svkit/sys';
import { spawnAs } from './run-as.js';
import { childFds, type ChildStdio } from './child-fds.js';
import type { ServiceConfig } from './service-config.js';
import type { ExecSpec } from './supervisor-options.js';
import type { ExitHow } from './supervisor-table.js';
import { killGroupOf, SIGNUM } from './supervisor-signals.js';

/** How to start ./run (see startRun). */
export interface RunHow {
  /** The service directory's descriptor, held open (throws when it is not). */
  dirFd: () => number;
  /** The owner's program instead of ./run (SupervisorOptions.exec). */
  exec?: () => ExecSpec;
  stdio: ChildStdio;
  cfg: ServiceConfig;
}

/** A started ./run. */
export interface StartedRun {
  pid: number;
  /** The notification pipe (read end, the child's write end) when notification-fd is set. */
  ready?: [number, number];
}

/**
 * Starts ./run (argv ["./run"], the inherited environment) in the service directory, or the owner's
 * program; throws when it cannot, having closed the pipe and the spec's closeAfter fds.
 */
export function startRun(how: RunHow): StartedRun {
  const { cfg } = how;
  let pid: number;
  let spec: ExecSpec | undefined;
  let ready: [number, number] | undefined;
  try {
    spec = how.exec?.();
    const fds = childFds(spec?.stdio ?? how.stdio);
    if (cfg.notificationFd !== undefined) {
      ready = pipe2(O_CLOEXEC);
      fds.set(cfg.notificationFd, ready[1]);
    }
    if (spec) {
      const where = spec.cwd === undefined ? { cwdFd: how.dirFd() } : { cwd: spec.cwd };
      pid = spawnAs({ file: spec.file, argv: [spec.argv0 ?? spec.file, ...spec.args], ...where, env: spec.env ?? process.env, fds, setsid: cfg.setsid, search: true }, spec.credentials ?? undefined);
    } else {
      // in the directory held open (fchdir): a renamed directory keeps working, a planted one is never entered
      pid = spawnProcess({ file: './run', argv: ['./run'], cwdFd: how.dirFd(), env: process.env, fds, setsid: cfg.setsid });
    }
  } catch (e) {
    for (const fd of spec?.closeAfter ?? []) closeQuiet(fd);
    if (ready) ready.forEach(closeQuiet);
    throw e;
  }
  for (const fd of spec?.closeAfter ?? []) closeQuiet(fd);
  return { pid, ready };
}

/**
 * Starts ./finish CODE SIGNAL DIR (s6: CODE 256 when killed by a signal, SIGNAL 0 after an exit)
 * in the service directory; throws when it cannot.
 */
function spawnFinish(dir: string, how: ExitHow, dirFd: () => number, stdio: ChildStdio): number {
  const code = how.signal ? 256 : (how.code ?? 256);
  const sig = how.signal ? String(SIGNUM[how.signal] ?? 0) : '0';
  // its own process group, so that a timeout kills whatever it started too
  return spawnProcess({ file: './finish', argv: ['./finish', String(code), sig, dir], cwdFd: dirFd(), env: process.env, fds: childFds(stdio), setsid: true });
}

/** A process we started (./run or ./finish): its identity while it runs. */
interface RunningChild {
  pid: number;
}

/** What a supervisor's programs report to it. */
export interface ProgramEvents {
  /** ./run exited (ours, not an adopted one). */
  runExit(how: ExitHow): void;
  /** ./run wrote the first newline to its notification fd. */
  ready(): void;
  /** ./finish exited. */
  finishExit(): void;
}

/** The ./run and ./finish a supervisor started, while they run, and ./run's notification pipe. */
export class ServicePrograms {
  private child: RunningChild | undefined;
  private finishChild: RunningChild | undefined;
  private readyPipe: Socket | undefined;

  constructor(private readonly on: ProgramEvents) {}

  /** Watches a ./run just started (startRun): its exit, and its notification pipe if any. */
  watchRun(run: StartedRun): void {
    const child: RunningChild = { pid: run.pid };
    this.child = child;
    onChildExit(run.pid, (how) => {
      if (this.child !== child) return;
      this.child = undefined;
      this.dropReadyPipe();
      this.on.runExit(how);
    });
    if (run.ready) {
      closeQuiet(run.ready[1]);
      this.watchReadiness(child, run.ready[0]);
    }
  }

  /** Reads the notification fd (our end `fd` of its pipe): the first newline means ready (s6's protocol). */
  private watchReadiness(child: RunningChild, fd: number): void {
    const s = new Socket({ fd, readable: true, writable: false });
    this.readyPipe = s;
    const onData = (d: Buffer): void => {
      if (!d.includes(0x0a)) return;
      this.dropReadyPipe();
      if (this.child === child) this.on.ready();
    };
    s.on('data', onData);
    s.on('error', () => {});
  }

  /** Closes our end of the notification pipe (a child that forked keeps no handle of ours open). */
  dropReadyPipe(): void {
    this.readyPipe?.removeAllListeners('data');
    this.readyPipe?.destroy();
    this.readyPipe = undefined;
  }

  /** Starts ./finish (see spawnFinish) and watches its exit; throws when it cannot start. */
  startFinish(dir: string, how: ExitHow, dirFd: () => number, stdio: ChildStdio): void {
    const pid = spawnFinish(dir, how, dirFd, stdio);
    const fin: RunningChild = { pid };
    this.finishChild = fin;
    onChildExit(pid, () => {
      if (this.finishChild !== fin) return;
      this.finishChild = undefined;
      this.on.finishExit();
    });
  }

  /** SIGKILL to ./finish and what it started (its process group), if it runs. */
  killFinish(): void {
    const pid = this.finishChild?.pid;
    if (pid !== undefined) killGroupOf(pid);
  }
}
