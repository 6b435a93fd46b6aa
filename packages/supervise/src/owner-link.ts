/**
 * Root svscan's side of a per-owner supervisor: for each user who owns service directories in the
 * scan directory, one svscan-owner process running as that user (uid, the account's gid and
 * groups, through setpriv) supervises all of that user's services. Root starts it, hands it each
 * directory as an O_PATH descriptor (and the read end of a log pipe whose service is root's),
 * restarts it when it dies (paced), and stops it at shutdown. Root reads nothing from it.
 *
 * The life of the process is a table, state x event -> action, as the Supervisor's.
 */
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { errnoText, type Io } from '@svkit/diag';
import { closeQuiet, dupFd, O_CLOEXEC, O_NONBLOCK_FLAG, onChildExit, pipe2, seqpacketPair, sendFds, type ChildExit } from '@svkit/sys';
import { encodeMessage, OWNER_FD, type OwnerMessage } from './owner-channel.js';
import { ownerCredentials, ownerEnv, spawnAs } from './run-as.js';
import { relayTo, type Relay } from './owner-output.js';
import { SVSCAN_NODE_FLAGS } from './svscan-flags.js';

/** The owner's program, beside this module (dist/ or the bundle in dist/bundle/). */
export const OWNER_PROGRAM = join(import.meta.dirname, 'svscan-owner-run.js');
/** No restart of an owner's supervisor sooner than this after its previous start. */
export const OWNER_RESTART_MS = 1000;
/** After quick deaths in a row, the pause doubles up to this. */
export const OWNER_RESTART_MAX_MS = 60000;
/** A run shorter than this is a quick death. */
export const OWNER_QUICK_MS = 10000;
/** Messages waiting for an owner that does not read them; past this it is killed and started afresh. */
export const OWNER_QUEUE_MAX = 10000;
/** Retry of a send the owner's full socket refused. */
const RESEND_MS = 100;

/** States of the owner's process. */
export type OwnerState = 'idle' | 'running' | 'waiting' | 'stopping' | 'stopped';
/** What happens to it. */
export type OwnerEvent = 'need' | 'exit' | 'timer' | 'shutdown';
type Action = (o: OwnerLink) => void;

const nothing: Action = () => {};

/** The table: every state answers every event. */
export const OWNER_TABLE: Record<OwnerState, Record<OwnerEvent, Action>> = {
  idle: { need: (o) => o.spawn(), exit: nothing, timer: nothing, shutdown: (o) => o.finish() },
  running: { need: (o) => o.flush(), exit: (o) => o.planRestart(), timer: (o) => o.flush(), shutdown: (o) => o.terminate() },
  waiting: { need: nothing, exit: nothing, timer: (o) => o.spawn(), shutdown: (o) => o.finish() },
  stopping: { need: nothing, exit: (o) => o.finish(), timer: (o) => o.kill(), shutdown: nothing },
  stopped: { need: nothing, exit: nothing, timer: nothing, shutdown: nothing },
};

/** Options of an owner link. */
export interface OwnerLinkOptions {
  uid: number;
  /** Group for an owner without an account (that of its first directory). */
  gid: number;
  io: Io;
  /** At shutdown, how long the owner has before SIGKILL. */
  stopMs: number;
  /** Called once the owner's process is gone after shutdown. */
  onStopped: () => void;
}

/** What root holds for a directory it handed over (to hand it again to a restarted owner). */
interface Handed {
  name: string;
  fds: number[];
  op: 'service' | 'log';
}

/** One user's supervisor, seen from root. */
export class OwnerLink {
  state: OwnerState = 'idle';
  pid = 0;
  private readonly handed = new Map<string, Handed>(); // by key
  private queue: { data: Buffer; fds: number[] }[] = [];
  private sock = -1;
  private bell = -1;
  private timer: NodeJS.Timeout | undefined;
  private lastStart = 0;
  private quickDeaths = 0;
  private out: Relay | undefined;
  private err: Relay | undefined;

  constructor(private readonly opts: OwnerLinkOptions) {}

  /** Feeds one event through the table; a failing action warns and never escapes. */
  dispatch(ev: OwnerEvent): void {
    try {
      OWNER_TABLE[this.state][ev](this);
    } catch (e) {
      this.warn(`${ev} in state ${this.state} failed: ${errnoText(e)}`);
    }
  }

  /** Hands over service directory `key`, held by `fd` (O_PATH; the link keeps it). */
  service(name: string, key: string, fd: number): void {
    this.hand(key, { name, fds: [fd], op: 'service' });
  }

  /** Hands over the logger of root's service `name`: its log/ (O_PATH) and a copy of the pipe's read end. */
  log(name: string, key: string, logFd: number, pipeRead: number): void {
    this.hand(key, { name, fds: [dupFd(logFd), dupFd(pipeRead)], op: 'log' });
  }

  /** The directory `key` left the scan directory: its services go on, are not restarted, and are not handed again. */
  gone(key: string): void {
    const h = this.handed.get(key);
    if (!h) return;
    this.handed.delete(key);
    for (const fd of h.fds) closeQuiet(fd);
    this.enqueue({ op: 'gone', key }, []);
    this.dispatch('need');
  }

  private hand(key: string, h: Handed): void {
    const old = this.handed.get(key);
    if (old) for (const fd of old.fds) closeQuiet(fd);
    this.handed.set(key, h);
    this.enqueue({ op: h.op, name: h.name, key }, h.fds);
    this.dispatch('need');
  }

  private enqueue(m: OwnerMessage, fds: number[]): void {
    if (this.state !== 'running') return; // a (re)start hands over everything afresh
    if (this.queue.length >= OWNER_QUEUE_MAX) {
      this.warn(`the supervisor of uid ${this.opts.uid} (pid ${this.pid}) reads nothing: killing it`);
      this.queue = [];
      this.signal('SIGKILL');
      return;
    }
    this.queue.push({ data: encodeMessage(m), fds });
  }

  // ---- actions used by the table -------------------------------------------------------------

  /** Starts the owner's supervisor as the owner, and hands it every directory. */
  spawn(): void {
    this.clearTimer();
    const [ours, theirs] = seqpacketPair();
    const [bellRead, bellWrite] = pipe2(O_CLOEXEC | O_NONBLOCK_FLAG);
    // its stdout and stderr are pipes of its own that we copy into ours, never our descriptors
    // (owner-output.ts); made once and given to every start, so restarts leave nothing behind
    const uid = this.opts.uid;
    this.out ??= relayTo(1, (n) => `svscan: warning: ${n} bytes of output of uid ${uid}'s services dropped (too much, or svscan's stdout not read)\n`);
    this.err ??= relayTo(2, (n) => `svscan: warning: ${n} bytes of messages of uid ${uid}'s services dropped (too much, or svscan's stderr not read)\n`);
    const fds = new Map<number, number | 'null'>([[0, 'null'], [1, this.out.write], [2, this.err.write], [OWNER_FD.socket, theirs], [OWNER_FD.bell, bellRead]]);
    const creds = ownerCredentials(uid, this.opts.gid);
    this.lastStart = Date.now();
    const ownEnds = [theirs, bellRead];
    try {
      // a session of its own (no controlling terminal: nothing to inject into), only the descriptors
      // above, its own environment (not root's), working directory /
      this.pid = spawnAs({ file: process.execPath, argv: ['node', ...SVSCAN_NODE_FLAGS, OWNER_PROGRAM, String(uid)], env: ownerEnv(uid), cwd: '/', fds, setsid: true, closeFrom: OWNER_FD.bell + 1 }, creds);
    } catch (e) {
      this.warn(`unable to start the supervisor of uid ${uid}: ${errnoText(e)}`);
      for (const fd of [ours, bellWrite, ...ownEnds]) closeQuiet(fd);
      this.state = 'running'; // as if it had started and died at once
      this.planRestart();
      return;
    }
    for (const fd of ownEnds) closeQuiet(fd);
    this.sock = ours;
    this.bell = bellWrite;
    this.state = 'running';
    const pid = this.pid;
    onChildExit(pid, (how: ChildExit) => {
      if (this.pid !== pid) return;
      if (this.state === 'running') this.warn(`the supervisor of uid ${this.opts.uid} (pid ${pid}) ended (${how.signal ?? `exit ${how.code}`}): its services go on, a new one adopts them`);
      this.pid = 0;
      this.closeChannel();
      this.dispatch('exit');
    });
    for (const [key, h] of this.handed) this.enqueue({ op: h.op, name: h.name, key }, h.fds);
    this.flush();
  }

  /** Sends what waits; retries soon when the owner's socket is full. */
  flush(): void {
    this.clearTimer();
    let sent = false;
    while (this.queue.length > 0 && this.sock >= 0) {
      const m = this.queue[0]!;
      try {
        sendFds(this.sock, m.data, m.fds);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'ENOBUFS') {
          this.timer = setTimeout(() => this.dispatch('timer'), RESEND_MS);
          break;
        }
        this.queue = []; // gone: its exit starts it again, with everything
        break;
      }
      this.queue.shift();
      sent = true;
    }
    if (sent && this.bell >= 0) {
      try {
        writeSync(this.bell, Buffer.from([1]));
      } catch { /* full: the owner reads everything at each wake-up, a byte is waiting already */ }
    }
  }

  /** The owner's process ended while it should run: start it again, paced (1 s, doubling after quick deaths up to 60 s). */
  planRestart(): void {
    this.queue = [];
    const ran = Date.now() - this.lastStart;
    this.quickDeaths = ran < OWNER_QUICK_MS ? this.quickDeaths + 1 : 0;
    const pause = Math.min(OWNER_RESTART_MAX_MS, OWNER_RESTART_MS * 2 ** Math.max(0, this.quickDeaths - 1));
    this.state = 'waiting';
    this.armTimer(Math.max(0, this.lastStart + pause - Date.now()));
  }

  /** Shutdown: TERM (the owner brings its services down, then their loggers, and exits); SIGKILL after stopMs. */
  terminate(): void {
    this.clearTimer();
    this.state = 'stopping';
    this.signal('SIGTERM');
    this.armTimer(this.opts.stopMs);
  }

  /** The owner did not leave in time. */
  kill(): void {
    this.warn(`the supervisor of uid ${this.opts.uid} (pid ${this.pid}) still runs ${this.opts.stopMs} ms after TERM: sending KILL`);
    this.signal('SIGKILL');
  }

  /** Nothing runs and nothing will: release everything, tell the owner of the link. */
  finish(): void {
    this.clearTimer();
    this.closeChannel();
    this.out?.close();
    this.err?.close();
    this.out = this.err = undefined;
    for (const h of this.handed.values()) for (const fd of h.fds) closeQuiet(fd);
    this.handed.clear();
    this.state = 'stopped';
    this.opts.onStopped();
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** Signals the owner's process: only while it is our unreaped child, so the pid cannot be another's. */
  private signal(sig: NodeJS.Signals): void {
    if (!this.pid) return;
    try {
      process.kill(this.pid, sig);
    } catch { /* exiting */ }
  }

  private closeChannel(): void {
    if (this.sock >= 0) closeQuiet(this.sock);
    if (this.bell >= 0) closeQuiet(this.bell);
    this.sock = this.bell = -1;
    this.queue = [];
  }

  private armTimer(ms: number): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.dispatch('timer');
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private warn(msg: string): void {
    this.opts.io.err(`svscan: warning: ${msg}\n`);
  }
}

