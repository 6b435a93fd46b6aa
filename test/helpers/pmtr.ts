/** Runs our pmtr on a config in a temp dir for a test: state dir, no syslog socket, short grace. */
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, ours, start, tempDir, waitFor } from './proc.js';
import { rawStatus } from './service-dir.js';

export interface PmtrRun {
  dir: string;
  conf: string;
  state: string;
  proc: ReturnType<typeof start>;
  /** The pid of job `name` once it runs (waits for it). */
  pid(name: string, timeoutMs?: number): Promise<number>;
  /** The pid in the job's status now (0 when down or no directory). */
  pidNow(name: string): number;
  /** Rewrites the config in place. */
  write(text: string): void;
  /** Saves the config as editors do: a new file renamed over it. */
  rename(text: string): void;
  /** Waits for `re` in pmtr's stderr. */
  waitLog(re: RegExp, timeoutMs?: number): Promise<void>;
}

/** Starts `pmtr -F -c DIR/pmtr.conf --state-dir DIR/state`; the test's cleanup stops it and every job pid it saw. */
export function startPmtr(
  t: { after(fn: () => Promise<void> | void): void },
  text: string,
  o: { args?: string[]; env?: NodeJS.ProcessEnv; before?: (dir: string) => void; syslog?: string } = {},
): PmtrRun {
  const { dir, cleanup } = tempDir('svkit-pmtr-');
  o.before?.(dir);
  const extraArgs = o.args ?? [];
  const env = o.env ?? {};
  const conf = join(dir, 'pmtr.conf');
  const state = join(dir, 'state');
  writeFileSync(conf, text.replaceAll('@DIR@', dir));
  const proc = start(ours('pmtr'), ['-F', '-c', conf, '--state-dir', state, '--syslog', o.syslog ?? join(dir, 'no-syslog'), '--grace', '2', ...extraArgs], { cwd: dir, env: { ...process.env, ...env } });
  // pid -> its start time: a pid that ended may be reused by another test's process by the time we clean up
  const seen = new Map<number, string | undefined>();
  const pidNow = (name: string): number => {
    try {
      const p = rawStatus(join(state, name)).pid;
      if (p && !seen.has(p)) seen.set(p, statField(p, 22));
      return p;
    } catch {
      return 0;
    }
  };
  t.after(async () => {
    await proc.stop('SIGTERM');
    for (const [p, started] of seen) {
      if (started !== undefined && alive(p) && statField(p, 22) === started) try { process.kill(-p, 'SIGKILL'); } catch { /* gone */ }
    }
    cleanup();
  });
  return {
    dir, conf, state, proc, pidNow,
    pid: (name, timeoutMs = 15000) => waitFor(() => pidNow(name), timeoutMs, `job ${name} running`),
    write: (s) => writeFileSync(conf, s.replaceAll('@DIR@', dir)),
    rename: (s) => {
      writeFileSync(`${conf}.tmp`, s.replaceAll('@DIR@', dir));
      renameSync(`${conf}.tmp`, conf);
    },
    waitLog: async (re, timeoutMs = 15000) => void (await waitFor(() => re.test(proc.stderr()), timeoutMs, `${re} in pmtr's log:\n${proc.stderr()}`)),
  };
}

/** Field `key` of /proc/PID/status. */
export function procStatus(pid: number, key: string): string {
  const m = new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? m[1]!.trim() : '';
}

/** Niceness of PID (field 19 of /proc/PID/stat). */
export function procNice(pid: number): number {
  return Number(statField(pid, 19));
}

/** Every pid in /proc. */
export function allPids(): number[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
}

/** Field `n` (1-based, as proc(5) numbers them) of /proc/PID/stat, or undefined when gone. */
export function statField(pid: number, n: number): string | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ')[n - 3];
  } catch {
    return undefined;
  }
}

/** The processes of process group `pgid`. */
export function groupMembers(pgid: number): number[] {
  return allPids().filter((p) => statField(p, 5) === String(pgid));
}

/** The non-empty lines of a file, [] while it does not exist. */
export const linesOf = (p: string): string[] => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean) : []);
