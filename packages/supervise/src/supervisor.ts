/**
 * One supervised service: owns DIR/supervise (lock, control and ok FIFOs, status), runs ./run,
 * restarts it, obeys control letters. Used alone by `supervise` and many times in-process by
 * `svscan`. Everything it does is driven through the state x event table in supervisor-table.ts.
 */
import { fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import { resolve } from 'node:path';
import { constants as osConstants } from 'node:os';
import { errnoText, type Io } from '@svkit/diag';
import { closeQuiet, O_CLOEXEC, onChildExit, pidfdSendSignal, pipe2, renameExchange, spawnProcess } from '@svkit/sys';
import { useRenameExchange } from '@svkit/protocol/dir-handle';
import { now, type Instant } from '@svkit/tai64';
import { CONTROL, NAME, STATE_JSON, type Want } from '@svkit/protocol/layout';
import { readStatusAt, writeStatus } from '@svkit/protocol/status-file';
import { procLeadsOwnGroup } from './proc-identity.js';
import { adoptablePid, recordChild } from './adopt-record.js';
import { initialExtraState, readExtraStateAt, writeExtraState, type ExtraState } from '@svkit/protocol/extra-state';
import { closeServiceFds, openServiceDir, trustedOwner, type OpenedDir } from './service-dir-open.js';
import { spawnAs, type Credentials } from './run-as.js';
import { childFds, type ChildStdio } from './child-fds.js';
import { watchExit, type Adopted } from './adopt-watch.js';
import { readServiceConfig, type ServiceConfig } from './service-config.js';
import { TABLE, type Event, type ExitHow, type State } from './supervisor-table.js';
import { letterEvent } from './control-letters.js';

/** What the owner of a supervisor provides. */
export interface SupervisorOptions {
  /** The service directory as the user named it (used in messages). */
  dir: string;
  /**
   * Where to open the directory (default: `dir`): svscan gives /proc/self/fd/N of the directory it
   * holds open, so that a rename or a planted path never changes which directory is supervised.
   */
  path?: string;
  /** Refuse a symbolic link at `path` (see openServiceDir). */
  noLink?: boolean;
  /**
   * No start comes sooner than this many ms after the previous one, whatever the settings say
   * (a supervisor of another user's directories: their crash loop costs at most one start a second).
   */
  restartFloorMs?: number;
  /** Program name for messages. */
  prog?: string;
  io: Io;
  /** fds for the child's stdin, stdout, stderr ('inherit' = the supervisor's own). */
  stdio?: ChildStdio;
  /** Called once when the supervisor has closed (after `svc -x`, or `close()`). */
  onClose?: () => void;
  /** Called whenever ./run starts or exits (pid 0), for owners that track children. */
  onPid?: (pid: number, previous: number) => void;
  /**
   * What to run instead of ./run (for owners that describe their services elsewhere, as pmtr):
   * called at each start; may throw (the start fails as an unexecutable ./run would).
   */
  exec?: () => ExecSpec;
  /** Settings that override the service directory's files (setsid, timeout-kill, ...). */
  settings?: Partial<ServiceConfig>;
  /** When to start again (ms since the epoch), given the last start and exit; replaces the restart-delay rules. */
  restartAt?: (lastStart: number, lastExit: number) => number;
  /** Called when the process exited, before the restart is planned (the owner may setWant('d')). */
  onExit?: (how: ExitHow, ranForMs: number) => void;
  /** Reports a start that failed (default: daemontools' "unable to start DIR/run"). */
  onStartFailed?: (e: unknown) => void;
  /** Reports the SIGKILL sent when timeout-kill ran out while stopping (default: a "still running" warning). */
  onKill?: (pid: number) => void;
}

/** A program to run for a service (see SupervisorOptions.exec). */
export interface ExecSpec {
  /** The file executed (no PATH search when it contains a slash). */
  file: string;
  args: string[];
  /** argv[0] (default: file). */
  argv0?: string;
  /** Working directory (default: the service directory). */
  cwd?: string;
  /** The whole environment (default: the supervisor's). */
  env?: NodeJS.ProcessEnv;
  /** fds for stdin, stdout, stderr (default: the supervisor's stdio). */
  stdio?: [number | 'inherit' | 'ignore', number | 'inherit' | 'ignore', number | 'inherit' | 'ignore'];
  /** fds to close in the supervisor once the process is started (or failed to start). */
  closeAfter?: number[];
  /** Run as (see run-as.ts); default, or null: as the supervisor. */
  credentials?: Credentials | null;
}

const SIGNUM = osConstants.signals as Record<string, number>;

useRenameExchange(renameExchange); // status and state.json are swapped in, not created anew at each change

/** A process we started (./run or ./finish): its identity while it runs. */
interface RunningChild {
  pid: number;
}

/** One supervised service directory. */
export class Supervisor {
  readonly dir: string;
  /** Absolute real path of the directory (symlinks resolved at open, so removing a symlink changes nothing). */
  abs: string;
  private readonly io: Io;
  private readonly prog: string;
  state: State = 'down';
  pid = 0;
  paused = false;
  want: Want = 'u';
  exitFlag = false;
  private when: Instant = now();
  private child: RunningChild | undefined;
  private adopted: Adopted | undefined;
  private finishChild: RunningChild | undefined;
  private readyPipe: Socket | undefined;
  /** What openServiceDir took (lock, FIFOs, the service directory and its supervise/), held while the supervisor runs. */
  private dirs: OpenedDir | undefined;
  private control: Socket | undefined;
  /** Cancels the planned start (a timer, or an immediate when it is due now). */
  private startTimer: (() => void) | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  private lastStart = 0; // ms
  private config: ServiceConfig | undefined;
  private closed = false;
  private extra: ExtraState;
  private statusDirty = false;
  private extraDirty = false;
  private flushQueued = false;
  /** A child just started: its adoption record is still to be written (see flush). */
  private recordPid = 0;
  private lateFlush = false;

  constructor(private readonly opts: SupervisorOptions) {
    this.dir = opts.dir;
    this.abs = resolve(opts.path ?? opts.dir);
    this.io = opts.io;
    this.prog = opts.prog ?? 'supervise';
    this.extra = initialExtraState();
  }

  /** Sets up DIR/supervise (as daemontools 0.76) and starts the service unless `down` exists; throws SuperviseError. */
  open(): void {
    const opened = openServiceDir(this.dir, this.abs, (m) => this.warn(m), { noLink: this.opts.noLink });
    this.abs = opened.abs;
    this.dirs = opened;
    this.want = opened.wantDown ? 'd' : 'u';
    this.control = new Socket({ fd: opened.fds.controlRead, readable: true, writable: false });
    this.control.on('data', (d: Buffer) => this.onControl(d));
    this.control.on('error', (e) => this.warn(`unable to read ${this.dir}/${CONTROL}: ${errnoText(e)}`));
    if (!this.tryAdopt()) {
      this.writeStatus();
      if (this.want === 'u') this.dispatch('u');
    }
  }

  /** Feeds one event through the table; a failing action warns and never escapes. */
  dispatch(ev: Event, arg?: unknown): void {
    if (this.closed) return;
    try {
      TABLE[this.state][ev](this, arg);
    } catch (e) {
      this.warn(`${this.dir}: ${ev} in state ${this.state} failed: ${errnoText(e)}`);
    }
  }

  private onControl(d: Buffer): void {
    for (const byte of d) {
      const e = letterEvent(byte);
      if (e) this.dispatch(e.event, e.signal);
    }
  }

  // ---- actions used by the table -------------------------------------------------------------

  /** Records the wish; 'u' and 'o' from the operator also forgive earlier quick deaths (and a give-up). */
  setWant(w: Want): void {
    if (w !== 'd') {
      this.extra.quickDeaths = 0;
      this.extra.gaveUp = false;
    }
    if (this.want !== w) {
      this.want = w;
      this.writeStatus();
    } else {
      this.writeExtra();
    }
  }

  /**
   * Plans the next start. After a long run (at least quick-death ms, default restart-delay): at once.
   * After a quick death: restart-delay after the previous start (0.76 sleeps 1 s after every start,
   * so a crash loop restarts once a second). From the 2nd quick death in a row, with restart-factor
   * > 1: restart-delay x factor^(n-1) ms after the exit, at most restart-max-delay (backoff).
   * An operator's start (svc -u, -o) waits for the same throttle as after a long run.
   */
  scheduleStart(): void {
    const cfg = (this.config = this.readConfig());
    const t = Date.now();
    if (this.opts.restartAt) {
      this.extra.backoff = false;
      this.state = 'starting';
      this.planStart(Math.max(t, this.opts.restartAt(this.lastStart, this.extra.lastExit?.at ?? 0)));
      return;
    }
    const n = this.extra.quickDeaths;
    // after a long run (n = 0) lastStart + quick-death is already past: at once
    let at = Math.max(t, this.lastStart + (n === 0 ? Math.min(cfg.restartDelay, cfg.quickDeath) : cfg.restartDelay));
    at = Math.max(at, this.lastStart + (this.opts.restartFloorMs ?? 0)); // no setting goes below the floor
    this.extra.backoff = false;
    if (n >= 2 && cfg.restartFactor > 1) {
      const cap = Math.max(cfg.restartMaxDelay, cfg.restartDelay);
      at = Math.max(at, t + Math.min(cap, cfg.restartDelay * cfg.restartFactor ** (n - 1)));
      this.extra.backoff = true;
    }
    this.state = 'starting';
    this.planStart(at);
  }

  /** svc -u while a start is planned: drop the backoff, start as soon as the 0.76 throttle allows. */
  hurryStart(): void {
    const cfg = (this.config = this.readConfig());
    const at = Math.max(Date.now(), this.lastStart + Math.max(cfg.restartDelay, this.opts.restartFloorMs ?? 0));
    this.extra.backoff = false;
    if (this.extra.nextStart === null || at < this.extra.nextStart) this.planStart(at);
    else this.writeExtra();
  }

  private planStart(at: number): void {
    this.startTimer?.();
    this.extra.nextStart = at;
    const fire = (): void => {
      this.startTimer = undefined;
      this.dispatch('start-timer');
    };
    const ms = at - Date.now();
    if (ms <= 0) {
      // due now (after a long run, svc -u): in this turn of the event loop, not a timer's 1 ms later
      const im = setImmediate(fire);
      this.startTimer = () => clearImmediate(im);
    } else {
      const tm = setTimeout(fire, ms);
      this.startTimer = () => clearTimeout(tm);
    }
    this.writeExtra();
  }

  /** A planned start happens now (the owner changed what it runs). */
  startNow(): void {
    this.planStart(Date.now());
  }

  /**
   * Stops the process to start it again (the owner changed what it runs): the down signal and
   * timeout-kill as svc -d, but the wish stays up, so the restart follows the usual rules.
   */
  restart(): void {
    this.stop();
  }

  /** Cancels a planned start: the service stays down. */
  cancelStart(): void {
    this.startTimer?.();
    this.startTimer = undefined;
    this.extra.nextStart = null;
    this.extra.backoff = false;
    this.state = 'down';
    this.writeExtra();
  }

  /** Sets the fds that later starts of ./run and ./finish get (svscan: a log/ added to a running service). */
  setStdio(stdio: ChildStdio): void {
    this.opts.stdio = stdio;
  }

  /** Starts ./run (argv ["./run"], cwd DIR, inherited environment). */
  spawnRun(): void {
    if (this.dirs && !this.opts.exec && !trustedOwner(this.dirs.service.stat().uid)) {
      // chowned to another user since it was opened: theirs to run now (svscan hands it over at its next scan)
      this.warn(`unable to start ${this.dir}/run: owned by uid ${this.dirs.service.stat().uid} now, not by us or root`);
      this.close();
      return;
    }
    const cfg = (this.config ??= this.readConfig());
    const std = this.opts.stdio ?? ['inherit', 'inherit', 'inherit'];
    this.lastStart = Date.now();
    this.extra.nextStart = null;
    this.extra.backoff = false;
    this.extra.ready = false;
    this.extra.readySince = null;
    this.extra.notifies = cfg.notificationFd !== undefined;
    let pid: number;
    let spec: ExecSpec | undefined;
    let ready: [number, number] | undefined;
    try {
      spec = this.opts.exec?.();
      const fds = childFds(spec?.stdio ?? std);
      if (cfg.notificationFd !== undefined) {
        ready = pipe2(O_CLOEXEC);
        fds.set(cfg.notificationFd, ready[1]);
      }
      if (spec) {
        const where = spec.cwd === undefined ? { cwdFd: this.dirFd() } : { cwd: spec.cwd };
        pid = spawnAs({ file: spec.file, argv: [spec.argv0 ?? spec.file, ...spec.args], ...where, env: spec.env ?? process.env, fds, setsid: cfg.setsid, search: true }, spec.credentials ?? undefined);
      } else {
        // in the directory held open (fchdir): a renamed directory keeps working, a planted one is never entered
        pid = spawnProcess({ file: './run', argv: ['./run'], cwdFd: this.dirFd(), env: process.env, fds, setsid: cfg.setsid });
      }
    } catch (e) {
      for (const fd of spec?.closeAfter ?? []) closeQuiet(fd);
      if (ready) ready.forEach(closeQuiet);
      this.startFailed(e);
      return;
    }
    for (const fd of spec?.closeAfter ?? []) closeQuiet(fd);
    const child: RunningChild = { pid };
    this.child = child;
    this.state = 'up';
    this.paused = false;
    this.setPid(pid);
    this.recordPid = pid; // the adoption record goes before the status names the pid (see flush)
    this.writeStatus();
    onChildExit(pid, (how) => {
      if (this.child !== child) return;
      this.child = undefined;
      this.dropReadyPipe();
      this.dispatch('child-exit', how satisfies ExitHow);
    });
    if (ready) {
      closeQuiet(ready[1]);
      this.watchReadiness(child, ready[0]);
    }
  }

  /** ./run could not be executed: report as daemontools does, and try again later. */
  private startFailed(e: unknown): void {
    if (this.opts.onStartFailed) this.opts.onStartFailed(e);
    else this.io.err(`${this.prog}: fatal: unable to start ${this.dir}/run: ${errnoText(e)}\n`);
    this.state = 'up'; // as if the child had started and exited at once
    this.onChildExit({ code: 111, signal: null });
  }

  /** Reads the notification fd (our end `fd` of its pipe): the first newline means ready (s6's protocol). */
  private watchReadiness(child: RunningChild, fd: number): void {
    const s = new Socket({ fd, readable: true, writable: false });
    this.readyPipe = s;
    const onData = (d: Buffer): void => {
      if (!d.includes(0x0a)) return;
      this.dropReadyPipe();
      if (this.child === child) this.dispatch('ready');
    };
    s.on('data', onData);
    s.on('error', () => {});
  }

  /** Closes our end of the notification pipe (a child that forked keeps no handle of ours open). */
  private dropReadyPipe(): void {
    this.readyPipe?.removeAllListeners('data');
    this.readyPipe?.destroy();
    this.readyPipe = undefined;
  }

  /** The service said it is ready. */
  markReady(): void {
    if (this.extra.ready) return;
    this.extra.ready = true;
    this.extra.readySince = Date.now();
    this.writeExtra();
  }

  /**
   * svc -d: the down signal, then CONT so a paused service can act on it (to the whole process
   * group when the service runs under setsid); arms timeout-kill.
   */
  stop(): void {
    const cfg = (this.config ??= this.readConfig());
    this.sendSignal(cfg.downSignal, cfg.setsid);
    this.sendSignal('SIGCONT', cfg.setsid);
    this.paused = false;
    if (this.state === 'up') {
      this.state = 'stopping';
      if (cfg.timeoutKill > 0) this.armKillTimer(cfg.timeoutKill);
    }
    this.writeStatus();
  }

  /** timeout-kill expired while stopping: SIGKILL the service (its process group under setsid). */
  killAfterTimeout(): void {
    if (this.opts.onKill) this.opts.onKill(this.pid);
    else this.warn(`${this.dir}: still running ${this.config?.timeoutKill ?? 0} ms after the down signal: sending KILL`);
    this.sendSignal('SIGKILL', this.config?.setsid === true);
  }

  /** svc -p. */
  pause(): void {
    this.sendSignal('SIGSTOP');
    this.paused = true;
    this.writeStatus();
  }

  /** svc -c. */
  resume(): void {
    this.sendSignal('SIGCONT');
    this.paused = false;
    this.writeStatus();
  }

  /** svc -h -a -i -t -k -1 -2 -q: send the signal; status unchanged. */
  signal(sig: NodeJS.Signals): void {
    this.sendSignal(sig);
  }

  /** svc -K: SIGKILL to the service's process group when it leads one (setsid), else to the service. */
  killGroup(): void {
    this.sendSignal('SIGKILL', true);
  }

  /** svc -x: leave once the service is down. */
  setExitFlag(): void {
    this.exitFlag = true;
  }

  /** Leaves now (service is down): releases everything. */
  exitNow(): void {
    this.close();
  }

  /** ./run exited: record it, run ./finish if any, then restart or stay down. */
  onChildExit(how: ExitHow): void {
    this.clearKillTimer();
    this.dropReadyPipe();
    const ranFor = Date.now() - this.lastStart;
    this.extra.lastExit = { code: how.code, signal: how.signal, at: Date.now() };
    const cfg = (this.config ??= this.readConfig());
    if (ranFor < cfg.quickDeath) this.extra.quickDeaths++;
    else this.extra.quickDeaths = 0;
    this.adopted?.cancel();
    this.adopted = undefined;
    this.paused = false;
    this.extra.ready = false;
    this.extra.readySince = null;
    // the state is settled before the status says "down", so `svc -wD` never sees down-but-not-finishing
    this.state = cfg.hasFinish ? 'finishing' : 'down';
    this.setPid(0);
    this.writeStatus();
    if (this.opts.onExit) {
      this.flush(true); // the files say down before the owner tells anyone (pmtr logs the exit)
      this.opts.onExit(how, ranFor);
    }
    if (cfg.hasFinish) this.runFinish(how, cfg);
    else this.afterRun();
  }

  /** Runs ./finish CODE SIGNAL DIR (s6: CODE 256 when killed by a signal, SIGNAL 0 after an exit). */
  private runFinish(how: ExitHow, cfg: ServiceConfig): void {
    const code = how.signal ? 256 : (how.code ?? 256);
    const sig = how.signal ? String(SIGNUM[how.signal] ?? 0) : '0';
    let pid: number;
    try {
      const std = this.opts.stdio ?? ['inherit', 'inherit', 'inherit'];
      // its own process group, so that a timeout kills whatever it started too
      pid = spawnProcess({ file: './finish', argv: ['./finish', String(code), sig, this.dir], cwdFd: this.dirFd(), env: process.env, fds: childFds(std), setsid: true });
    } catch (e) {
      this.warn(`unable to start ${this.dir}/finish: ${errnoText(e)}`);
      this.afterRun();
      return;
    }
    const fin: RunningChild = { pid };
    this.finishChild = fin;
    onChildExit(pid, () => {
      if (this.finishChild !== fin) return;
      this.finishChild = undefined;
      this.clearKillTimer();
      this.dispatch('finish-exit');
    });
    if (cfg.timeoutFinish > 0) this.armKillTimer(cfg.timeoutFinish);
  }

  /** timeout-finish expired (or svc -K while finishing): SIGKILL ./finish and what it started (its process group). */
  killFinish(): void {
    const pid = this.finishChild?.pid;
    if (pid === undefined) return;
    try {
      process.kill(procLeadsOwnGroup(pid) ? -pid : pid, 'SIGKILL');
    } catch { /* gone */ }
  }

  /** After ./run (and ./finish): leave if asked, restart if wanted and allowed, else stay down. */
  afterRun(): void {
    this.state = 'down';
    if (this.exitFlag) {
      this.writeExtra();
      this.close();
      return;
    }
    const cfg = (this.config ??= this.readConfig());
    if (this.want === 'u' && cfg.maxQuickDeaths > 0 && this.extra.quickDeaths >= cfg.maxQuickDeaths) {
      this.extra.gaveUp = true;
      this.warn(`${this.dir}: gave up after ${this.extra.quickDeaths} quick deaths in a row (svc -u to retry)`);
      this.writeExtra();
      return;
    }
    if (this.want === 'u') {
      this.extra.restarts++;
      this.config = undefined; // re-read the files before the next start
      this.scheduleStart();
    } else {
      this.writeExtra();
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** Reads the service's settings (never blocking); a setting that cannot be used is reported and gets its default. */
  private readConfig(): ServiceConfig {
    const dirs = this.dirs;
    if (!dirs) throw new Error('not open');
    const cfg = readServiceConfig({
      service: dirs.service,
      trusted: dirs.trusted,
      warn: (name, e) => this.warn(`unable to read ${this.dir}/${name}: ${errnoText(e)}`),
    });
    return this.opts.settings ? { ...cfg, ...this.opts.settings } : cfg;
  }

  /** The service directory's descriptor, held since open(): programs start there. */
  private dirFd(): number {
    if (!this.dirs) throw new Error('not open');
    return this.dirs.service.fd;
  }

  /**
   * Sends `sig` to the service; with `group`, to its whole process group instead when the service
   * leads its own group (setsid, pgrphack): never to the supervisor's own group.
   */
  private sendSignal(sig: NodeJS.Signals, group = false): void {
    if (!this.pid) return;
    try {
      if (group && procLeadsOwnGroup(this.pid)) {
        try {
          process.kill(-this.pid, sig);
          return;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
        }
      }
      if (this.adopted) pidfdSendSignal(this.adopted.pidfd, SIGNUM[sig]!);
      else process.kill(this.pid, sig);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') this.warn(`unable to signal ${this.dir}: ${errnoText(e)}`);
    }
  }

  private armKillTimer(ms: number): void {
    this.clearKillTimer();
    this.killTimer = setTimeout(() => {
      this.killTimer = undefined;
      this.dispatch('kill-timer');
    }, ms);
  }

  private clearKillTimer(): void {
    if (this.killTimer) clearTimeout(this.killTimer);
    this.killTimer = undefined;
  }

  private setPid(pid: number): void {
    const prev = this.pid;
    this.pid = pid;
    this.when = now();
    this.extra.since = Date.now();
    if (prev !== pid) this.opts.onPid?.(pid, prev);
  }

  /** The status record's wish as svkit's extra state names it. */
  private wantName(): ExtraState['want'] {
    return this.want === 'u' ? 'up' : this.want === 'd' ? 'down' : 'once';
  }

  /**
   * Writes the extra state, then supervise/status (18 bytes): a reader that sees the new status
   * finds the matching extra state already there. The writes of one event are made once, when its
   * actions are done (a microtask: before any I/O callback, so no reader can tell): an exit that
   * plans a restart writes each file once, not two or three times.
   */
  writeStatus(): void {
    this.statusDirty = true;
    this.writeExtra();
  }

  private writeExtra(): void {
    this.extraDirty = true;
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => this.flush());
  }

  /** Writes what changed since the last flush (state.json first, then status). */
  private flush(now = false): void {
    this.flushQueued = false;
    if (this.recordPid && !now) {
      // A child just started. Its adoption record (its start time, from /proc) goes first, so that a
      // supervisor killed in between can still adopt it; reading /proc/PID/stat waits until the
      // child's exec is done, so it is read in the next turn of the event loop, after the other
      // starts due now (1000 services starting: ~1 ms saved each). The status follows it.
      if (!this.lateFlush) {
        this.lateFlush = true;
        setImmediate(() => {
          this.lateFlush = false;
          this.flush(true);
        });
      }
      return;
    }
    if (this.recordPid) {
      if (this.dirs && this.pid === this.recordPid && !this.closed) recordChild(this.dirs.sup, this.dirs.key, this.recordPid, this.logPipe());
      this.recordPid = 0;
    }
    const status = this.statusDirty;
    const extra = this.extraDirty;
    this.statusDirty = this.extraDirty = false;
    if (this.closed || !this.dirs) return;
    if (extra) {
      this.extra.state = this.state;
      this.extra.pid = this.pid;
      this.extra.want = this.wantName();
      try {
        writeExtraState(this.dirs.sup, this.extra);
      } catch (e) {
        this.warn(`unable to write ${this.dir}/${STATE_JSON}: ${errnoText(e)}`);
      }
    }
    if (status) {
      try {
        writeStatus(this.dirs.sup, { when: this.when, pid: this.pid, paused: this.paused, want: this.want });
      } catch (e) {
        this.warn(`unable to write ${this.dir}/supervise/status: ${errnoText(e)}`);
      }
    }
  }

  /** The inode of the log pipe ./run gets (its stdout, or a logger's stdin), for the adoption record. */
  private logPipe(): number | undefined {
    for (const fd of (this.opts.stdio ?? []).slice(0, 2)) {
      if (typeof fd !== 'number') continue;
      try {
        const st = fstatSync(fd);
        if (st.isFIFO()) return st.ino;
      } catch { /* closed */ }
    }
    return undefined;
  }

  /** Extra state for svstat --json and tests. */
  extraState(): Readonly<ExtraState> {
    return { ...this.extra, state: this.state, pid: this.pid, want: this.wantName() };
  }

  /**
   * After a restart of the supervisor: if the status names a live process that we started
   * (same pid and kernel start time as recorded in supervise/adopt), take it over without a restart.
   */
  private tryAdopt(): boolean {
    if (!this.dirs) return false;
    const pid = adoptablePid(this.dirs.sup, this.dirs.key);
    if (pid === undefined) return false;
    try {
      this.adopted = watchExit(pid, () => this.dispatch('child-exit', { code: null, signal: null } satisfies ExitHow));
    } catch {
      return false;
    }
    this.pid = pid;
    try {
      this.when = readStatusAt(this.dirs.sup.path(NAME.status)).when;
    } catch { /* keep now */ }
    this.carryOverExtra(pid);
    this.lastStart = this.when.sec * 1000 + Math.floor(this.when.nsec / 1e6);
    this.state = 'up';
    this.config = this.readConfig();
    this.writeStatus();
    this.opts.onPid?.(pid, 0);
    return true;
  }

  /** Keeps what the previous supervisor recorded about the adopted process (readiness, counters). */
  private carryOverExtra(pid: number): void {
    {
      const old = this.dirs ? readExtraStateAt(this.dirs.sup.path(NAME.stateJson)) : undefined;
      if (!old || old.pid !== pid) return;
      this.extra.ready = old.ready === true;
      this.extra.readySince = typeof old.readySince === 'number' ? old.readySince : null;
      this.extra.notifies = old.notifies === true;
      this.extra.restarts = typeof old.restarts === 'number' ? old.restarts : 0;
      this.extra.lastExit = old.lastExit ?? null;
      if (typeof old.since === 'number') this.extra.since = old.since;
    }
  }

  /** Adopted process, if any (its pid), for owners that pair it with a logger. */
  get adoptedPid(): number | undefined {
    return this.adopted ? this.pid : undefined;
  }

  private releaseFds(): void {
    this.control?.destroy(); // closes controlRead
    this.control = undefined;
    if (this.dirs) {
      closeServiceFds(this.dirs.fds);
      this.dirs.sup.close();
      this.dirs.service.close();
    }
    this.dirs = undefined;
  }

  /** Releases the directory (FIFOs, lock) without touching a running service; calls onClose once. */
  close(): void {
    if (this.closed) return;
    this.flush(true); // what the last event changed, while the directory is still held
    this.closed = true;
    this.startTimer?.();
    this.clearKillTimer();
    this.adopted?.cancel();
    this.releaseFds();
    this.opts.onClose?.();
  }

  /** True once closed. */
  get isClosed(): boolean {
    return this.closed;
  }

  private warn(msg: string): void {
    this.io.err(`${this.prog}: warning: ${msg}\n`);
  }
}
