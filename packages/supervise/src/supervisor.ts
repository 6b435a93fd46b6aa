/**
 * One supervised service: owns DIR/supervise (lock, control and ok FIFOs, status), runs ./run,
 * restarts it, obeys control letters. Used alone by `supervise` and many times in-process by
 * `svscan`. Everything it does is driven through the state x event table in supervisor-table.ts;
 * this class holds the state and the table's actions, helped by supervisor-record.ts (status
 * files, adoption), restart-plan.ts, supervisor-signals.ts and service-spawn.ts (./run, ./finish).
 */
import { Socket } from 'node:net';
import { resolve } from 'node:path';
import { errnoText, type Io } from '@svkit/diag';
import { renameExchange } from '@svkit/sys';
import { useRenameExchange } from '@svkit/protocol/dir-handle';
import { now, type Instant } from '@svkit/tai64';
import { CONTROL, type Want } from '@svkit/protocol/layout';
import { initialExtraState, type ExtraState } from '@svkit/protocol/extra-state';
import { closeServiceFds, openServiceDir, trustedOwner, type OpenedDir } from './service-dir-open.js';
import type { ChildStdio } from './child-fds.js';
import type { Adopted } from './adopt-watch.js';
import type { ServiceConfig } from './service-config.js';
import { TABLE, type Event, type ExitHow, type State } from './supervisor-table.js';
import { letterEvent } from './control-letters.js';
import { serviceSettings, type SupervisorOptions } from './supervisor-options.js';
import { adoptPrevious, StatusRecord } from './supervisor-record.js';
import { hurriedStart, nextStart, StartTimer } from './restart-plan.js';
import { KillTimer, signalService } from './supervisor-signals.js';
import { ServicePrograms, startRun, type StartedRun } from './service-spawn.js';

export type { ExecSpec, SupervisorOptions } from './supervisor-options.js';

useRenameExchange(renameExchange); // status and state.json are swapped in, not created anew at each change

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
  private adopted: Adopted | undefined;
  /** ./run and ./finish while they run. */
  private readonly programs = new ServicePrograms({
    runExit: (how) => this.dispatch('child-exit', how satisfies ExitHow),
    ready: () => this.dispatch('ready'),
    finishExit: () => {
      this.killTimer.clear();
      this.dispatch('finish-exit');
    },
  });
  /** What openServiceDir took (lock, FIFOs, the service directory and its supervise/), held while the supervisor runs. */
  private dirs: OpenedDir | undefined;
  private control: Socket | undefined;
  private readonly startTimer = new StartTimer();
  private readonly killTimer = new KillTimer();
  private lastStart = 0; // ms
  private config: ServiceConfig | undefined;
  private closed = false;
  private readonly extra: ExtraState = initialExtraState();
  /** supervise/status and state.json, written once per event (see StatusRecord). */
  private readonly record: StatusRecord;

  constructor(private readonly opts: SupervisorOptions) {
    this.dir = opts.dir;
    this.abs = resolve(opts.path ?? opts.dir);
    this.io = opts.io;
    this.prog = opts.prog ?? 'supervise';
    this.record = new StatusRecord({
      dir: this.dir,
      held: () => (this.closed ? undefined : this.dirs),
      status: () => ({ when: this.when, pid: this.pid, paused: this.paused, want: this.want }),
      extra: () => Object.assign(this.extra, { state: this.state, pid: this.pid, want: this.wantName() }),
      stdio: () => this.opts.stdio,
      warn: (m) => this.warn(m),
    });
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
      this.record.writeExtra();
    }
  }

  /** Plans the next start by the restart rules (see nextStart in restart-plan.ts). */
  scheduleStart(): void {
    const cfg = (this.config = this.readConfig());
    const { lastStart, extra, opts } = this;
    const history = { lastStart, lastExit: extra.lastExit?.at ?? 0, quickDeaths: extra.quickDeaths, floorMs: opts.restartFloorMs ?? 0, restartAt: opts.restartAt };
    const { at, backoff } = nextStart(cfg, history);
    this.extra.backoff = backoff;
    this.state = 'starting';
    this.planStart(at);
  }

  /** svc -u while a start is planned: drop the backoff, start as soon as the 0.76 throttle allows. */
  hurryStart(): void {
    const cfg = (this.config = this.readConfig());
    const at = hurriedStart(cfg, this.lastStart, this.opts.restartFloorMs ?? 0);
    this.extra.backoff = false;
    if (this.extra.nextStart === null || at < this.extra.nextStart) this.planStart(at);
    else this.record.writeExtra();
  }

  private planStart(at: number): void {
    this.extra.nextStart = at;
    this.startTimer.plan(at, () => this.dispatch('start-timer'));
    this.record.writeExtra();
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
    this.startTimer.cancel();
    this.extra.nextStart = null;
    this.extra.backoff = false;
    this.state = 'down';
    this.record.writeExtra();
  }

  /** Sets the fds that later starts of ./run and ./finish get (svscan: a log/ added to a running service). */
  setStdio(stdio: ChildStdio): void {
    this.opts.stdio = stdio;
  }

  /** Starts ./run (argv ["./run"], cwd DIR, inherited environment), or the owner's program. */
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
    let run: StartedRun;
    try {
      run = startRun({ dirFd: () => this.dirFd(), exec: this.opts.exec, stdio: std, cfg });
    } catch (e) {
      this.startFailed(e);
      return;
    }
    this.state = 'up';
    this.paused = false;
    this.setPid(run.pid);
    this.record.childStarted(run.pid); // the adoption record goes before the status names the pid
    this.programs.watchRun(run);
  }

  /** ./run could not be executed: report as daemontools does, and try again later. */
  private startFailed(e: unknown): void {
    if (this.opts.onStartFailed) this.opts.onStartFailed(e);
    else this.io.err(`${this.prog}: fatal: unable to start ${this.dir}/run: ${errnoText(e)}\n`);
    this.state = 'up'; // as if the child had started and exited at once
    this.onChildExit({ code: 111, signal: null });
  }

  /** The service said it is ready. */
  markReady(): void {
    if (this.extra.ready) return;
    this.extra.ready = true;
    this.extra.readySince = Date.now();
    this.record.writeExtra();
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
    this.killTimer.clear();
    this.programs.dropReadyPipe();
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
      this.record.flush(true); // the files say down before the owner tells anyone (pmtr logs the exit)
      this.opts.onExit(how, ranFor);
    }
    if (cfg.hasFinish) this.runFinish(how, cfg);
    else this.afterRun();
  }

  /** Runs ./finish CODE SIGNAL DIR (see spawnFinish in service-spawn.ts), under timeout-finish. */
  private runFinish(how: ExitHow, cfg: ServiceConfig): void {
    try {
      this.programs.startFinish(this.dir, how, () => this.dirFd(), this.opts.stdio ?? ['inherit', 'inherit', 'inherit']);
    } catch (e) {
      this.warn(`unable to start ${this.dir}/finish: ${errnoText(e)}`);
      this.afterRun();
      return;
    }
    if (cfg.timeoutFinish > 0) this.armKillTimer(cfg.timeoutFinish);
  }

  /** timeout-finish expired (or svc -K while finishing): SIGKILL ./finish and what it started (its process group). */
  killFinish(): void {
    this.programs.killFinish();
  }

  /** After ./run (and ./finish): leave if asked, restart if wanted and allowed, else stay down. */
  afterRun(): void {
    this.state = 'down';
    if (this.exitFlag) {
      this.record.writeExtra();
      this.close();
      return;
    }
    const cfg = (this.config ??= this.readConfig());
    if (this.want === 'u' && cfg.maxQuickDeaths > 0 && this.extra.quickDeaths >= cfg.maxQuickDeaths) {
      this.extra.gaveUp = true;
      this.warn(`${this.dir}: gave up after ${this.extra.quickDeaths} quick deaths in a row (svc -u to retry)`);
      this.record.writeExtra();
      return;
    }
    if (this.want === 'u') {
      this.extra.restarts++;
      this.config = undefined; // re-read the files before the next start
      this.scheduleStart();
    } else {
      this.record.writeExtra();
    }
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** Reads the service's settings (see serviceSettings). */
  private readConfig(): ServiceConfig {
    if (!this.dirs) throw new Error('not open');
    return serviceSettings(this.dirs, this.opts.settings, (name, e) => this.warn(`unable to read ${this.dir}/${name}: ${errnoText(e)}`));
  }

  /** The service directory's descriptor, held since open(): programs start there. */
  private dirFd(): number {
    if (!this.dirs) throw new Error('not open');
    return this.dirs.service.fd;
  }

  /** Sends `sig` to the service, with `group` to its process group when it leads one (see signalService). */
  private sendSignal(sig: NodeJS.Signals, group = false): void {
    if (!this.pid) return;
    signalService(this.pid, this.adopted, sig, group, (e) => this.warn(`unable to signal ${this.dir}: ${errnoText(e)}`));
  }

  private armKillTimer(ms: number): void {
    this.killTimer.arm(ms, () => this.dispatch('kill-timer'));
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

  /** Writes state.json, then supervise/status, once the actions of this event are done (see StatusRecord). */
  writeStatus(): void {
    this.record.writeStatus();
  }

  /** Extra state for svstat --json and tests. */
  extraState(): Readonly<ExtraState> {
    return { ...this.extra, state: this.state, pid: this.pid, want: this.wantName() };
  }

  /** After a restart of the supervisor: takes over the live process it started, if any (see adoptPrevious). */
  private tryAdopt(): boolean {
    const a = this.dirs && adoptPrevious(this.dirs, this.extra, () => this.dispatch('child-exit', { code: null, signal: null } satisfies ExitHow));
    if (!a) return false;
    this.adopted = a.adopted;
    this.pid = a.pid;
    if (a.when) this.when = a.when;
    this.lastStart = this.when.sec * 1000 + Math.floor(this.when.nsec / 1e6);
    this.state = 'up';
    this.config = this.readConfig();
    this.writeStatus();
    this.opts.onPid?.(a.pid, 0);
    return true;
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
    this.record.flush(true); // what the last event changed, while the directory is still held
    this.closed = true;
    this.startTimer.cancel();
    this.killTimer.clear();
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
