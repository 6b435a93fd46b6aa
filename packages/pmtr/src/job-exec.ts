/**
 * How a job is started: the ExecSpec the supervisor spawns. The settings Node cannot make on a
 * child are made by small exec-in-place tools, in pmtr's order: coreutils' nice, util-linux's
 * prlimit (soft = hard), taskset, then setpriv for the user (uid, gid, the account's groups);
 * each execs the next, so the job's pid is the one the supervisor spawned and no Node process
 * stands in between (about a millisecond per tool, see bench/). Problems pmtr finds only in the
 * child (missing dir, unknown user, a cmd that cannot be executed, an out file that cannot be
 * opened) are found here before the spawn and thrown with pmtr's text.
 */
import { accessSync, constants, fchownSync, fstatSync, openSync, statSync } from 'node:fs';
import { getPriority } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { errnoText } from '@svkit/diag';
import { closeQuiet, getgrouplist, getpwnam, O_CLOEXEC, setNonBlocking } from '@svkit/sys';
import type { ExecSpec } from '@svkit/supervise/supervisor';
import { SETPRIV, setprivArgs, type Credentials } from '@svkit/supervise/run-as';
import type { Job } from './config-parse.js';

/** The tools, by absolute path (no PATH search). */
export const NICE = '/usr/bin/nice';
export const PRLIMIT = '/usr/bin/prlimit';
export const TASKSET = '/usr/bin/taskset';

/** A start-time problem, with pmtr's message. */
export class JobStartError extends Error {}

/** Where a job's stdout/stderr go when they are not files: pmtr's "syslog". */
export const SYSLOG = 'syslog';

/** The job's working directory: its `dir`, or pmtr's own. */
export function jobCwd(job: Job, base: string): string {
  return job.dir === undefined ? base : resolve(base, job.dir);
}

/** The account of `user`, with its groups. */
function credentialsOf(user: string): Credentials {
  const pw = getpwnam(user);
  if (!pw) throw new JobStartError(`unknown user: ${user}`);
  return { uid: pw.uid, gid: pw.gid, groups: getgrouplist(pw.name, pw.gid) };
}

/** True when `creds` may access a file of this owner and mode for `bits` (4 read, 2 write, 1 search). */
function permits(st: { uid: number; gid: number; mode: number }, creds: Credentials, bits: number): boolean {
  if (creds.uid === 0) return true;
  if (st.uid === creds.uid) return ((st.mode >> 6) & bits) === bits;
  if (st.gid === creds.gid || creds.groups.includes(st.gid)) return ((st.mode >> 3) & bits) === bits;
  return (st.mode & bits) === bits;
}

/**
 * pmtr opens out/err/in after switching to `user`: we open them (in pmtr itself) only when that
 * user could, so a job gets no file through its config that its user may not open.
 */
function checkUserAccess(path: string, creds: Credentials, write: boolean): void {
  const denied = (): never => {
    throw Object.assign(new Error(`${path}: permission denied`), { code: 'EACCES' });
  };
  const st = statSync(path, { throwIfNoEntry: false });
  if (st) {
    if (!permits(st, creds, write ? 2 : 4)) denied();
  } else if (write) {
    const parent = statSync(dirname(path), { throwIfNoEntry: false });
    if (parent && !permits(parent, creds, 3)) denied();
  }
}

/** Opens `file` (relative to cwd) for the job; never blocks (a FIFO without a reader fails). */
function openStdio(file: string, cwd: string, write: boolean, creds: Credentials | undefined): number {
  const path = resolve(cwd, file);
  try {
    if (creds) checkUserAccess(path, creds, write);
  } catch (e) {
    throw new JobStartError(`can't open/dup ${file}: ${errnoText(e)}`);
  }
  const flags = (write ? constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND : constants.O_RDONLY) | constants.O_NONBLOCK | constants.O_NOCTTY | O_CLOEXEC;
  let fd: number;
  try {
    fd = openSync(path, flags, 0o644);
  } catch (e) {
    throw new JobStartError(`can't open/dup ${file}: ${errnoText(e)}`);
  }
  try {
    setNonBlocking(fd, false);
    // a file we just created for a job that runs as `user` belongs to that user, as pmtr's does
    if (write && creds && fstatSync(fd).uid === 0 && fstatSync(fd).size === 0) fchownSync(fd, creds.uid, creds.gid);
  } catch { /* not a file we may change: leave it */ }
  return fd;
}

/** What the exec of `job` needs beyond the job: pmtr's cwd, and a pipe for "syslog" output. */
export interface ExecContext {
  /** pmtr's working directory (relative dir values start from it). */
  base: string;
  /** Returns the write end of a fresh pipe whose read end goes to the log (closed by the caller after the spawn). */
  logPipe: () => number;
  /** With `log DIR`: the write end of the pipe to the job's multilog (kept open across starts). */
  logFd?: number;
}

/** Builds the spec for one start of `job`; throws JobStartError (pmtr's message) when it cannot start. */
export function jobExecSpec(job: Job, ctx: ExecContext): ExecSpec {
  const cwd = jobCwd(job, ctx.base);
  try {
    if (!statSync(cwd).isDirectory()) throw Object.assign(new Error('Not a directory'), { code: 'ENOTDIR' });
  } catch (e) {
    throw new JobStartError(`can't chdir ${job.dir ?? cwd}: ${errnoText(e)}`);
  }
  const prog = job.cmd[0]!;
  const path = isAbsolute(prog) ? prog : resolve(cwd, prog);
  try {
    if (!statSync(path).isFile()) throw Object.assign(new Error('Permission denied'), { code: 'EACCES' });
    accessSync(path, constants.X_OK);
  } catch (e) {
    throw new JobStartError(`can't exec ${prog}: ${errnoText(e)}`);
  }
  const creds = job.user === undefined ? undefined : credentialsOf(job.user);
  const closeAfter: number[] = [];
  const stdio: NonNullable<ExecSpec['stdio']> = ['ignore', 'ignore', 'ignore'];
  try {
    if (job.in !== undefined && job.in !== SYSLOG) stdio[0] = push(closeAfter, openStdio(job.in, cwd, false, creds));
    const out = job.out ?? SYSLOG;
    const err = job.err ?? SYSLOG;
    let pipe: number | undefined;
    const logFd = (): number => ctx.logFd ?? (pipe ??= push(closeAfter, ctx.logPipe()));
    stdio[1] = out === SYSLOG ? logFd() : push(closeAfter, openStdio(out, cwd, true, creds));
    stdio[2] = err === SYSLOG ? logFd() : err === out ? stdio[1] : push(closeAfter, openStdio(err, cwd, true, creds));
  } catch (e) {
    for (const fd of closeAfter) closeQuiet(fd);
    throw e;
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const kv of job.env) {
    const i = kv.indexOf('=');
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const chain: string[] = [];
  if (job.nice !== undefined) {
    const adj = job.nice - getPriority(); // nice(1) adds to the niceness it inherits: ours
    if (adj !== 0) chain.push(NICE, '-n', String(adj));
  }
  if (job.ulimits.length) chain.push(PRLIMIT, ...job.ulimits.map((u) => `--${u.resource}=${u.value}:${u.value}`), '--');
  if (job.cpu.length) chain.push(TASKSET, '-c', job.cpu.join(','));
  if (creds) chain.push(SETPRIV, ...setprivArgs(creds));
  const argv = chain.length ? [...chain, path, ...job.cmd.slice(1)] : [path, ...job.cmd.slice(1)];
  return {
    file: argv[0]!,
    args: argv.slice(1),
    argv0: chain.length ? argv[0] : prog,
    cwd,
    env,
    stdio,
    closeAfter,
    credentials: null,
  };
}

function push(list: number[], fd: number): number {
  list.push(fd);
  return fd;
}
