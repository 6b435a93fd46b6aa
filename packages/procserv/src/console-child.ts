/** The interactive child on a pseudo-terminal (node-pty): start, output, input, signals, exit status. */
import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { spawn as ptySpawn, type IPty } from 'node-pty';
import { errnoError } from '@svkit/diag';
import { FdWriter } from './fd-writer.js';

/** How a child ended. */
export interface ChildExit {
  pid: number;
  /** Exit code when it exited normally. */
  code: number | undefined;
  /** Signal number when it was killed by a signal. */
  signal: number | undefined;
}

/** What to run. */
export interface ChildSpec {
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Callbacks from a running child. */
export interface ChildHooks {
  onData(buf: Buffer): void;
  onExit(e: ChildExit): void;
  /** The child stopped reading input (true) or caught up (false). */
  onInputFull(full: boolean): void;
}

/** Throws unless `path` is an executable regular file. */
function checkExecutable(path: string): void {
  const st = statSync(path);
  if (st.isDirectory()) throw errnoError('EISDIR', `${path} is a directory`);
  if (!st.isFile()) throw errnoError('EACCES', `${path} is not a regular file`);
  accessSync(path, constants.X_OK);
}

/**
 * Finds the program the child runs, as execvp will: a name with a slash from the child's directory,
 * else along PATH. Throws with the reason (ENOENT, EACCES, EISDIR...) so that it can be shown:
 * procServ checks the command before it starts, and a failed exec in the child tells nobody why.
 */
export function findProgram(file: string, cwd: string, pathVar: string | undefined): string {
  if (file.includes('/')) {
    const path = resolve(cwd, file);
    checkExecutable(path);
    return path;
  }
  let found: unknown;
  for (const dir of (pathVar ?? '/bin:/usr/bin').split(':')) {
    const path = resolve(cwd, dir || '.', file);
    try {
      checkExecutable(path);
      return path;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') found ??= e; // there, but not runnable: say so, as execvp does
    }
  }
  throw found ?? errnoError('ENOENT', `${file} is not in PATH`);
}

/** One incarnation of the child. */
export class ConsoleChild {
  readonly pid: number;
  readonly startedAt = new Date();
  private readonly pty: IPty;
  private readonly input: FdWriter | undefined;
  private exited = false;

  /** Starts the child; throws (see findProgram) when its program cannot be run. */
  constructor(spec: ChildSpec, hooks: ChildHooks) {
    findProgram(spec.file, spec.cwd, spec.env.PATH);
    this.pty = ptySpawn(spec.file, spec.args, {
      name: spec.env.TERM || 'xterm',
      cols: 80,
      rows: 24,
      cwd: spec.cwd,
      env: spec.env as Record<string, string>,
      encoding: null,
    });
    this.pid = this.pty.pid;
    const fd = (this.pty as unknown as { _fd?: unknown })._fd;
    this.input = typeof fd === 'number' ? new FdWriter(fd, hooks.onInputFull) : undefined;
    (this.pty.onData as unknown as (cb: (d: Buffer) => void) => void)((d) => hooks.onData(d));
    this.pty.onExit(({ exitCode, signal }) => {
      this.exited = true;
      this.input?.close();
      hooks.onExit({ pid: this.pid, code: signal ? undefined : exitCode, signal: signal || undefined });
    });
  }

  /** True until the child's exit has been reported. */
  get running(): boolean {
    return !this.exited;
  }

  /** Sends input to the child (bounded; see FdWriter). */
  write(buf: Buffer): void {
    if (this.exited) return;
    if (this.input) this.input.write(buf);
    else this.pty.write(buf as unknown as string);
  }

  /**
   * Sends signal `sig` to the child's process group (the child leads it on its pty, as under
   * procServ, which does the same): a shell that forgot `exec` takes its children along.
   */
  kill(sig: NodeJS.Signals | number): void {
    if (this.exited) return;
    try {
      process.kill(-this.pid, sig);
    } catch {
      try {
        process.kill(this.pid, sig);
      } catch {
        /* already gone: its exit will be reported */
      }
    }
  }
}
