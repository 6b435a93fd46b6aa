/**
 * pmtr's jobs at run time: one Supervisor per job (the engine svscan uses), each with a service
 * directory STATE/NAME so svstat, svc and svok work on it. A reload compares the new jobs with the
 * running ones by name: new jobs start, removed jobs stop and their directories go, changed jobs
 * restart with the new definition, unchanged jobs are not touched (same pid, and an `svc -d` stays).
 */
import { mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { constants as osConstants } from 'node:os';
import { createHash } from 'node:crypto';
import { errnoText, type Io } from '@svkit/diag';
import { readBounded } from '@svkit/protocol/safe-read';
import { DOWN, LOG } from '@svkit/protocol/layout';
import { closeQuiet, O_CLOEXEC, pipe2 } from '@svkit/sys';
import { Supervisor } from '@svkit/supervise/supervisor';
import type { ExitHow } from '@svkit/supervise/supervisor-table';
import type { Config, Job } from './config-parse.js';
import { jobCwd, jobExecSpec, JobStartError } from './job-exec.js';
import { JobOutput } from './job-output.js';
import { svkitBin } from './svkit-bin.js';
import type { PmtrLog } from './pmtr-log.js';

/** A job that lived less than this restarts this long after its exit (pmtr's rule). */
export const RESTART_DELAY_MS = 10000;
/** Exit status that means "never restart" (pmtr's PMTR_NO_RESTART). */
export const NO_RESTART = 33;
/** Our multilog, run for jobs with `log DIR`. */
export const MULTILOG = svkitBin('multilog');
/** After its job is gone, a logger still running this long after its input closed gets TERM. */
export const LOGGER_TERM_MS = 3000;

/** Largest dependency file read. */
export const DEPENDS_CAP = 10 * 1024 * 1024;

const SIGNUM = osConstants.signals as Record<string, number>;

/** One job at run time. */
interface Running {
  job: Job;
  /** The definition as compared on reload (everything, nice included, and the dependencies' content). */
  key: string;
  /** The dependencies are all readable. */
  depsOk: boolean;
  sv: Supervisor;
  dir: string;
  pid: number;
  /** The pid of the latest process (kept after its exit, for messages). */
  lastPid: number;
  startedAt: number;
  output?: JobOutput;
  bounceTimer?: NodeJS.Timeout;
  /** With `log DIR`: the job's multilog (service directory STATE/NAME/log) and the pipe to it. */
  logger?: Supervisor;
  logPipe?: [number, number];
  /** Resolves on the next exit (for `wait`). */
  exitWaiters: (() => void)[];
  removed: boolean;
  /** Later jobs wait for this one (`wait`). */
  pausing?: boolean;
  /** Ended for good (`once`, exit status 33): left out of the report, as pmtr does. */
  finished: boolean;
}

/** Options of the job set. */
export interface JobSetOptions {
  stateDir: string;
  log: PmtrLog;
  io: Io;
  /** pmtr's working directory (relative `dir`s start there). */
  base: string;
  /** ms between SIGTERM and SIGKILL when stopping a job. */
  graceMs: number;
  /** Called when every job is gone after shutdown(). */
  onIdle?: () => void;
}

/** The dependency files' content digest (undefined when one cannot be read: warned). */
function dependsDigest(job: Job, base: string, log: PmtrLog): string | undefined {
  const h = createHash('sha256');
  const cwd = jobCwd(job, base);
  for (const dep of job.depends) {
    const path = resolve(cwd, dep);
    try {
      const r = readBounded(path, DEPENDS_CAP, { follow: true });
      if (r.truncated) throw Object.assign(new Error('File too large'), { code: 'EFBIG' });
      h.update(`${r.data.length}:`).update(r.data);
    } catch (e) {
      log.warn(`job ${job.name}: can't open dependency ${dep}: ${errnoText(e)}`);
      return undefined;
    }
  }
  return h.digest('hex');
}

/** Absolute paths of every dependency file of the enabled jobs. */
export function dependencyPaths(config: Config, base: string): string[] {
  const out = new Set<string>();
  for (const j of config.jobs) for (const d of j.depends) out.add(resolve(jobCwd(j, base), d));
  return [...out];
}

export class JobSet {
  private readonly jobs = new Map<string, Running>();
  /** Removed jobs still stopping, by name. */
  private readonly dying = new Map<string, Running>();
  private shuttingDown = false;
  private applying: Promise<void> = Promise.resolve();

  constructor(private readonly opts: JobSetOptions) {}

  /** Running jobs by name (tests, reports). */
  list(): { name: string; pid: number; enabled: boolean; startedAt: number; argv0: string }[] {
    return [...this.jobs.values()].filter((r) => !r.finished).map((r) => ({ name: r.job.name, pid: r.pid, enabled: r.sv.want === 'u', startedAt: r.startedAt, argv0: r.job.cmd[0]! }));
  }

  /** Dependency files (absolute) of jobs kept down because one was missing at the last reload. */
  missingDependencies(): string[] {
    const out: string[] = [];
    for (const r of this.jobs.values()) {
      if (r.depsOk) continue;
      for (const d of r.job.depends) out.push(resolve(jobCwd(r.job, this.opts.base), d));
    }
    return out;
  }

  /**
   * UDP enable/disable (as `svc -u` / `svc -d`: temporary, a reload that leaves the job unchanged
   * keeps it); false for an unknown job.
   */
  control(name: string, enable: boolean): boolean {
    const r = this.jobs.get(name);
    if (!r) return false;
    const want = enable ? 'u' : 'd';
    if (r.sv.want === want) return true;
    this.opts.log.info(`${enable ? 'enabling' : 'disabling'} ${name}`);
    if (!enable && r.pid) this.opts.log.info(`sending SIGTERM to job ${name} [${r.pid}]`);
    r.sv.dispatch(want);
    return true;
  }

  /** Applies a config (the first one, or a reload); applications run one after the other. */
  apply(config: Config): Promise<void> {
    this.applying = this.applying.then(() => this.applyNow(config)).catch((e) => this.opts.log.warn(`internal error applying the config: ${errnoText(e)}`));
    return this.applying;
  }

  private async applyNow(config: Config): Promise<void> {
    if (this.shuttingDown) return;
    const names = new Set(config.jobs.map((j) => j.name));
    for (const [name, r] of this.jobs) if (!names.has(name)) this.remove(r);
    for (const job of config.jobs) {
      if (this.shuttingDown) return;
      const digest = dependsDigest(job, this.opts.base, this.opts.log);
      const key = JSON.stringify({ ...job, line: 0, digest });
      const old = this.jobs.get(job.name);
      if (old && old.key === key) {
        old.job = job;
        continue;
      }
      if (old) this.change(old, job, key, digest !== undefined);
      else {
        const dying = this.dying.get(job.name);
        if (dying) await new Promise<void>((res) => dying.exitWaiters.push(res));
        if (this.shuttingDown) return;
        const r = this.add(job, key, digest !== undefined);
        if (r && job.wait && this.enabled(r)) {
          r.pausing = true; // logged once it has started, as pmtr does
          await new Promise<void>((res) => r.exitWaiters.push(res));
          r.pausing = false;
          this.opts.log.info(`job ${job.name} finished`);
        }
      }
    }
  }

  private enabled(r: Running): boolean {
    return !r.job.disable && r.depsOk;
  }

  /** Creates STATE/NAME with `down` when the job is not to run, and supervises it. */
  private add(job: Job, key: string, depsOk: boolean): Running | undefined {
    const dir = join(this.opts.stateDir, job.name);
    const r: Running = { job, key, depsOk, dir, pid: 0, lastPid: 0, startedAt: 0, exitWaiters: [], removed: false, finished: false } as unknown as Running; // sv is set below
    try {
      mkdirSync(dir, { recursive: true, mode: 0o755 });
      this.setDownFile(r);
    } catch (e) {
      this.opts.log.warn(`job ${job.name}: unable to create ${dir}: ${errnoText(e)}`);
      return undefined;
    }
    r.sv = new Supervisor({
      dir,
      prog: 'pmtr',
      io: this.opts.io,
      settings: { setsid: true, timeoutKill: this.opts.graceMs, downSignal: 'SIGTERM', hasFinish: false, maxQuickDeaths: 0, notificationFd: undefined },
      exec: () => {
        const spec = jobExecSpec(r.job, {
          base: this.opts.base,
          logFd: r.logPipe && r.logPipe[1] >= 0 ? r.logPipe[1] : undefined,
          logPipe: () => {
            r.output = new JobOutput(r.job.name, this.opts.log);
            return r.output.writeFd;
          },
        });
        return spec;
      },
      restartAt: (lastStart, lastExit) => (lastExit - lastStart < RESTART_DELAY_MS ? lastExit + RESTART_DELAY_MS : Date.now()),
      onPid: (pid, prev) => this.onPid(r, pid, prev),
      onExit: (how, ranFor) => this.onExit(r, how, ranFor),
      onStartFailed: (e) => this.opts.log.warn(`job ${r.job.name}: ${e instanceof JobStartError ? e.message : errnoText(e)}`),
      onKill: (pid) => this.opts.log.info(`sending SIGKILL to job ${r.job.name}${r.removed ? '(deleted)' : ''} [${pid}]`),
      onClose: () => this.onClose(r),
    });
    this.jobs.set(job.name, r);
    if (job.log !== undefined) this.addLogger(r);
    try {
      r.sv.open();
    } catch (e) {
      this.opts.log.warn(`job ${job.name}: unable to supervise ${dir}: ${errnoText(e)}`);
      this.jobs.delete(job.name);
      return undefined;
    }
    return r;
  }

  /** STATE/NAME/log: our multilog `t DIR` reading the job's output through a pipe that outlives restarts of either side. */
  private addLogger(r: Running): void {
    const dir = join(r.dir, LOG);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o755 });
      r.logPipe = pipe2(O_CLOEXEC);
    } catch (e) {
      this.opts.log.warn(`job ${r.job.name}: unable to set up its log: ${errnoText(e)}`);
      return;
    }
    const pipeRead = r.logPipe[0];
    const logger: Supervisor = new Supervisor({
      dir,
      prog: 'pmtr',
      io: this.opts.io,
      settings: { setsid: true, timeoutKill: this.opts.graceMs, downSignal: 'SIGTERM', hasFinish: false, maxQuickDeaths: 0, notificationFd: undefined },
      exec: () => ({
        file: process.execPath,
        args: [MULTILOG, 't', resolve(jobCwd(r.job, this.opts.base), r.job.log ?? 'log')],
        argv0: 'multilog',
        cwd: this.opts.base,
        stdio: [pipeRead, 'inherit', 'inherit'],
        credentials: null,
      }),
      restartAt: (lastStart, lastExit) => (lastExit - lastStart < 1000 ? lastExit + 1000 : Date.now()),
      onStartFailed: (e) => this.opts.log.warn(`job ${r.job.name}: unable to start its logger: ${errnoText(e)}`),
      onClose: () => {
        if (r.logger === logger) r.logger = undefined;
        this.closeLogPipe(r);
        if (r.sv.isClosed) this.dropJob(r);
        this.checkIdle();
      },
    });
    try {
      logger.open();
      r.logger = logger;
    } catch (e) {
      this.opts.log.warn(`job ${r.job.name}: unable to supervise ${dir}: ${errnoText(e)}`);
      this.closeLogPipe(r);
    }
  }

  private closeLogPipe(r: Running): void {
    if (!r.logPipe) return;
    closeQuiet(r.logPipe[0]);
    closeQuiet(r.logPipe[1]);
    r.logPipe = undefined;
  }

  /** The job is gone: its logger reads to the end of the pipe and leaves (TERM if it lingers). */
  private retireLogger(r: Running): void {
    const logger = r.logger;
    if (r.logPipe) {
      closeQuiet(r.logPipe[1]);
      r.logPipe[1] = -1;
    }
    if (!logger) return;
    logger.dispatch('retire');
    setTimeout(() => logger.dispatch('d'), LOGGER_TERM_MS).unref();
  }

  private setDownFile(r: Running): void {
    const down = join(r.dir, DOWN);
    if (this.enabled(r)) rmSync(down, { force: true });
    else writeFileSync(down, '');
  }

  /** A changed job: the new definition from its next start; running now: stopped and restarted. */
  private change(r: Running, job: Job, key: string, depsOk: boolean): void {
    const oldLog = r.job.log;
    r.job = job;
    if (job.log !== oldLog) {
      if (job.log === undefined) this.retireLogger(r);
      else if (r.logger && r.logPipe && r.logPipe[1] >= 0) r.logger.dispatch('restart');
      else if (!r.logger) this.addLogger(r);
    }
    r.key = key;
    r.depsOk = depsOk;
    try {
      this.setDownFile(r);
    } catch (e) {
      this.opts.log.warn(`job ${job.name}: unable to update ${r.dir}/${DOWN}: ${errnoText(e)}`);
    }
    if (!this.enabled(r)) {
      if (r.pid) this.opts.log.info(`sending SIGTERM to job ${job.name} [${r.pid}]`);
      r.sv.dispatch('d');
      return;
    }
    if (r.sv.state === 'up') {
      this.opts.log.info(`sending SIGTERM to job ${job.name} [${r.pid}]`);
      r.sv.dispatch('u');
      r.sv.dispatch('restart');
    } else if (r.sv.state === 'starting') {
      r.sv.dispatch('restart'); // a pending restart delay is dropped
    } else {
      r.sv.dispatch('u');
    }
  }

  /** A removed job: stopped (TERM, KILL after the grace time), then its directory goes. */
  private remove(r: Running): void {
    this.jobs.delete(r.job.name);
    r.removed = true;
    this.dying.set(r.job.name, r);
    if (r.pid) this.opts.log.info(`sending SIGTERM to job ${r.job.name}(deleted) [${r.pid}]`);
    r.sv.dispatch('d');
    r.sv.dispatch('retire');
  }

  private onPid(r: Running, pid: number, prev: number): void {
    if (r.bounceTimer) clearTimeout(r.bounceTimer);
    r.bounceTimer = undefined;
    r.pid = pid;
    if (!pid) return;
    r.startedAt = Date.now();
    r.lastPid = pid;
    r.finished = false;
    if (r.output) r.output.pid = pid;
    this.opts.log.info(`started job ${r.job.name} [${pid}]`);
    if (r.pausing) this.opts.log.info(`pausing for job ${r.job.name} to finish`);
    if (r.job.bounce > 0) {
      r.bounceTimer = setTimeout(() => {
        r.bounceTimer = undefined;
        if (r.pid !== pid) return;
        this.opts.log.info(`sending SIGTERM to job ${r.job.name} [${pid}]`);
        r.sv.dispatch('restart');
      }, Math.min(r.job.bounce * 1000, 2 ** 31 - 1));
    }
    void prev;
  }

  private onExit(r: Running, how: ExitHow, ranFor: number): void {
    // an adopted process (taken over from a pmtr that was killed) ends with an unknown status
    const what = how.signal ? `signal ${SIGNUM[how.signal] ?? how.signal}` : how.code === null ? 'status unknown (adopted)' : `exit status ${how.code}`;
    this.opts.log.info(`job ${r.job.name}${r.removed ? '(deleted)' : ''} [${r.lastPid}] exited after ${Math.floor(ranFor / 1000)} sec: ${what}`);
    if ((r.job.once || how.code === NO_RESTART) && r.sv.want === 'u') {
      r.sv.setWant('d');
      r.finished = true;
    }
    const waiters = r.exitWaiters.splice(0);
    for (const w of waiters) w();
  }

  private onClose(r: Running): void {
    if (r.bounceTimer) clearTimeout(r.bounceTimer);
    this.retireLogger(r);
    if (!r.logger) this.dropJob(r);
    this.checkIdle();
  }

  /** The job and its logger are gone: its directory goes if it was removed, and a new job of the same name may start. */
  private dropJob(r: Running): void {
    if (this.jobs.get(r.job.name) === r) this.jobs.delete(r.job.name);
    if (this.dying.get(r.job.name) === r) this.dying.delete(r.job.name);
    if (r.removed) {
      try {
        rmSync(r.dir, { recursive: true, force: true });
      } catch { /* leave it */ }
    }
    for (const w of r.exitWaiters.splice(0)) w();
  }

  /** Stops every job (TERM to its process group, KILL after the grace time); onIdle when all are gone. */
  shutdown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const r of [...this.jobs.values(), ...this.dying.values()]) {
      if (r.pid) this.opts.log.info(`sending SIGTERM to job ${r.job.name} [${r.pid}]`);
      r.sv.dispatch('d');
      r.sv.dispatch('retire');
      for (const w of r.exitWaiters.splice(0)) w();
    }
    this.checkIdle();
  }

  private checkIdle(): void {
    if (this.shuttingDown && this.jobs.size === 0 && this.dying.size === 0) this.opts.onIdle?.();
  }
}

/** Removes a leftover file quietly. */
export function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch { /* gone */ }
}
