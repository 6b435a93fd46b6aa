/**
 * What the owner of a Supervisor gives it (SupervisorOptions): the directory, the messages, the
 * child's fds, callbacks, settings over the directory's (serviceSettings), and what an owner such
 * as pmtr runs instead of ./run (ExecSpec).
 */
import type { Io } from '@svkit/diag';
import type { ChildStdio } from './child-fds.js';
import type { Credentials } from './run-as.js';
import { readServiceConfig, type ServiceConfig } from './service-config.js';
import type { OpenedDir } from './service-dir-open.js';
import type { ExitHow } from './supervisor-table.js';

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

/**
 * The settings a supervisor uses: the service directory's files (read never blocking; a setting
 * that cannot be used is reported to `warn` and gets its default), overridden by the owner's.
 */
export function serviceSettings(dirs: OpenedDir, settings: Partial<ServiceConfig> | undefined, warn: (name: string, e: unknown) => void): ServiceConfig {
  const cfg = readServiceConfig({ service: dirs.service, trusted: dirs.trusted, warn });
  return settings ? { ...cfg, ...settings } : cfg;
}
