/**
 * Starting programs with glibc's posix_spawn (through koffi): no fork of our large process, every
 * signal at its default, the exact fds asked for, and the working directory by path or by an
 * open directory descriptor.
 */
import { errnoError } from '@svkit/diag';
import { errnoNames, lib } from './libc.js';

const c = {
  posix_spawn: lib.func('int posix_spawn(_Out_ int *pid, const char *path, const uint8_t *actions, const uint8_t *attr, const char **argv, const char **envp)'),
  posix_spawnp: lib.func('int posix_spawnp(_Out_ int *pid, const char *file, const uint8_t *actions, const uint8_t *attr, const char **argv, const char **envp)'),
  fa_init: lib.func('int posix_spawn_file_actions_init(_Inout_ uint8_t *actions)'),
  fa_destroy: lib.func('int posix_spawn_file_actions_destroy(_Inout_ uint8_t *actions)'),
  fa_dup2: lib.func('int posix_spawn_file_actions_adddup2(_Inout_ uint8_t *actions, int fd, int to)'),
  fa_open: lib.func('int posix_spawn_file_actions_addopen(_Inout_ uint8_t *actions, int fd, const char *path, int flags, uint32_t mode)'),
  fa_chdir: lib.func('int posix_spawn_file_actions_addchdir_np(_Inout_ uint8_t *actions, const char *path)'),
  // glibc >= 2.29
  fa_fchdir: lib.func('int posix_spawn_file_actions_addfchdir_np(_Inout_ uint8_t *actions, int fd)'),
  attr_init: lib.func('int posix_spawnattr_init(_Inout_ uint8_t *attr)'),
  attr_destroy: lib.func('int posix_spawnattr_destroy(_Inout_ uint8_t *attr)'),
  attr_setflags: lib.func('int posix_spawnattr_setflags(_Inout_ uint8_t *attr, short flags)'),
  attr_setsigmask: lib.func('int posix_spawnattr_setsigmask(_Inout_ uint8_t *attr, const uint8_t *set)'),
  attr_setsigdefault: lib.func('int posix_spawnattr_setsigdefault(_Inout_ uint8_t *attr, const uint8_t *set)'),
  sigfillset: lib.func('int sigfillset(_Out_ uint8_t *set)'),
};

/** glibc >= 2.34 has it; where it is missing, closeFrom fails with ENOSYS. */
const faClosefrom = ((): ((actions: Uint8Array, from: number) => number) | undefined => {
  try {
    return lib.func('int posix_spawn_file_actions_addclosefrom_np(_Inout_ uint8_t *actions, int from)') as (actions: Uint8Array, from: number) => number;
  } catch {
    return undefined;
  }
})();

/** What posix_spawn runs (see spawnProcess). */
export interface SpawnSpec {
  /** The program: a path (relative to `cwd` when it has a slash), else searched on PATH when `search`. */
  file: string;
  /** argv, argv[0] included. */
  argv: string[];
  /** The whole environment. */
  env: NodeJS.ProcessEnv;
  /** Working directory of the program (default: ours). */
  cwd?: string;
  /**
   * Working directory given by an open directory descriptor (fchdir), in place of `cwd`: the
   * directory that was opened and checked, even after it was renamed or its path was changed.
   */
  cwdFd?: number;
  /** fds of the program: target fd -> our fd to give it there, or 'null' for /dev/null; fds not named are closed (or inherited when not close-on-exec). */
  fds?: Map<number, number | 'null'>;
  /** Start a new session (setsid): the program leads its own process group. */
  setsid?: boolean;
  /** Search PATH for `file` when it has no slash (default: no search, as execve). */
  search?: boolean;
  /**
   * Close every descriptor from this one up in the program, even those we inherited without
   * close-on-exec (a program of another user gets exactly the descriptors named in `fds`).
   */
  closeFrom?: number;
}

const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;
const O_RDONLY = 0;
const O_WRONLY = 1;
const SPAWN_BUF = 512; // >= sizeof(posix_spawn_file_actions_t) (80) and sizeof(posix_spawnattr_t) (336) on glibc
const allSignals = new Uint8Array(128);
c.sigfillset(allSignals);
allSignals[3]! |= 0x80; // 32 and 33, which sigfillset leaves out (glibc's own): default too, as after any exec
allSignals[4]! |= 0x01;
const noSignals = new Uint8Array(128);

/** Throws the error number `n` (posix_spawn returns it instead of setting errno). */
function checkReturned(n: number, call: string, arg: string): void {
  if (n !== 0) throw errnoError(errnoNames[n] ?? `E${n}`, `${call} '${arg}'`, -n);
}

/**
 * Starts a program with posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK), so the cost does not grow
 * with our memory as fork's does), every signal at its default action and none blocked, as a fresh
 * exec expects. A program that cannot be executed throws the errno of its execve (ENOENT, EACCES,
 * ENOEXEC...): the failure is known before this returns. Returns the pid; the caller reaps it
 * (child-reaper.ts).
 */
export function spawnProcess(spec: SpawnSpec): number {
  const actions = new Uint8Array(SPAWN_BUF);
  const attr = new Uint8Array(SPAWN_BUF);
  checkReturned(c.fa_init(actions), 'posix_spawn_file_actions_init', spec.file);
  checkReturned(c.attr_init(attr), 'posix_spawnattr_init', spec.file);
  try {
    // targets in ascending order: a target is overwritten only after every lower one took its source
    for (const [to, from] of [...(spec.fds ?? new Map<number, number | 'null'>())].sort((a, b) => a[0] - b[0])) {
      // as a shell's </dev/null and >/dev/null: read-only for stdin, write-only otherwise (a read-write
      // /dev/null on fd 1 is what Node puts in place of a closed one: see packages/log/src/closed-stdout.ts)
      if (from === 'null') checkReturned(c.fa_open(actions, to, '/dev/null', to === 0 ? O_RDONLY : O_WRONLY, 0), 'posix_spawn_file_actions_addopen', spec.file);
      else checkReturned(c.fa_dup2(actions, from, to), 'posix_spawn_file_actions_adddup2', spec.file);
    }
    if (spec.closeFrom !== undefined) {
      if (!faClosefrom) throw errnoError('ENOSYS', `posix_spawn_file_actions_addclosefrom_np (glibc 2.34), to start ${spec.file} with its descriptors alone`);
      checkReturned(faClosefrom(actions, spec.closeFrom), 'posix_spawn_file_actions_addclosefrom_np', spec.file);
    }
    if (spec.cwdFd !== undefined) checkReturned(c.fa_fchdir(actions, spec.cwdFd), 'posix_spawn_file_actions_addfchdir_np', spec.file);
    else if (spec.cwd !== undefined) checkReturned(c.fa_chdir(actions, spec.cwd), 'posix_spawn_file_actions_addchdir_np', spec.file);
    checkReturned(c.attr_setsigmask(attr, noSignals), 'posix_spawnattr_setsigmask', spec.file);
    checkReturned(c.attr_setsigdefault(attr, allSignals), 'posix_spawnattr_setsigdefault', spec.file);
    checkReturned(c.attr_setflags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | (spec.setsid ? POSIX_SPAWN_SETSID : 0)), 'posix_spawnattr_setflags', spec.file);
    const envp: (string | null)[] = [];
    for (const k in spec.env) {
      const v = spec.env[k];
      if (v !== undefined) envp.push(`${k}=${v}`);
    }
    envp.push(null);
    const pid = new Int32Array(1);
    const search = spec.search === true && !spec.file.includes('/');
    const r = (search ? c.posix_spawnp : c.posix_spawn)(pid, spec.file, actions, attr, [...spec.argv, null], envp) as number;
    checkReturned(r, 'spawn', spec.file);
    return pid[0]!;
  } finally {
    c.fa_destroy(actions);
    c.attr_destroy(attr);
  }
}

