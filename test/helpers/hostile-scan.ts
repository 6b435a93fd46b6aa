/**
 * A scan directory with a hostile service beside an ordinary one, for the trust tests:
 * SCAN/s owned by `nobody` (the untrusted user) and SCAN/b owned by root, in a temp dir
 * nobody may traverse. Cleanup kills every process whose cwd lies in the temp dir (svscans,
 * services run as root or as nobody, whatever they started), then removes it as root.
 */
import { chmodSync, closeSync, constants, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { NOBODY, chownTree, mkfifo } from './as-user.js';
import { ours, run, sleep, start, tempDir, waitFor } from './proc.js';
import { makeService } from './service-dir.js';

/** Generous bound for every wait of the trust tests (a loaded 2-core machine). */
export const LONG = 30000;

const ENV = { ...process.env, PATH: `${join(ours('svscan'), '..')}:${process.env.PATH}` };

type Started = ReturnType<typeof start>;

/** What hostileScan made. */
export interface HostileScan {
  /** The temp dir (mode 0755) holding everything. */
  root: string;
  /** The scan directory (root's, 0755). */
  scan: string;
  /** SCAN/s: owned by nobody, files included. */
  s: string;
  /** SCAN/b: an ordinary root-owned service. */
  b: string;
  /** Starts our svscan (as root) on SCAN, optionally behind `wrap` (e.g. prlimit ... --); stopped at cleanup. */
  svscan(wrap?: string[]): Started;
  /** A process to SIGKILL at cleanup although its cwd is elsewhere. */
  killAtEnd(pid: number): void;
}

/**
 * Makes the temp dir, SCAN/s (nobody's: ./run holds `sScript`, plus `sFiles`) and SCAN/b (root's:
 * `bScript`), and registers the cleanup on `t`.
 */
export function hostileScan(
  t: { after(fn: () => Promise<void> | void): void },
  sScript: string,
  sFiles: Record<string, string> = {},
  bScript = 'exec sleep 1000',
): HostileScan {
  const { dir } = tempDir('svkit-trust-');
  chmodSync(dir, 0o755);
  const root = realpathSync(dir);
  const scan = join(root, 'service');
  mkdirSync(scan, { mode: 0o755 });
  const s = makeService(scan, 's', sScript, sFiles);
  chownTree(s, NOBODY);
  const b = makeService(scan, 'b', bScript);
  const started: Started[] = [];
  const extra: number[] = [];
  t.after(async () => {
    for (const h of started) await h.stop('SIGKILL'); // first, so that nothing restarts what we kill next
    for (const p of extra) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
    await killUnder(root);
    rmSync(root, { recursive: true, force: true });
  });
  return {
    root, scan, s, b,
    svscan(wrap = []) {
      const cmd = wrap.length ? wrap[0]! : ours('svscan');
      const args = wrap.length ? [...wrap.slice(1), ours('svscan'), scan] : [scan];
      const h = start(cmd, args, { env: ENV });
      started.push(h);
      return h;
    },
    killAtEnd(pid) { extra.push(pid); },
  };
}

/** The pids whose current directory is `root` or below it (our services, whoever they run as). */
export function pidsUnder(root: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${e}/cwd`);
      if (cwd === root || cwd.startsWith(`${root}/`)) out.push(Number(e));
    } catch { /* gone, or a zombie */ }
  }
  return out;
}

/** SIGKILLs every process under `root` until none is left (a few rounds: one may fork meanwhile). */
export async function killUnder(root: string): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const pids = pidsUnder(root);
    if (pids.length === 0) return;
    for (const p of pids) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
    await sleep(50);
  }
}

/** Our svstat's line for `dir` (as root). */
export async function svstatLine(dir: string): Promise<string> {
  return (await run(ours('svstat'), [dir])).stdout;
}

/** The pid our svstat names for `dir` (`up (pid N)`), 0 when none. */
export async function svstatPid(dir: string): Promise<number> {
  const m = /: up \(pid (\d+)\)/.exec(await svstatLine(dir));
  return m ? Number(m[1]) : 0;
}

/**
 * Shows that the svscan supervising `b` still does its job: SIGKILLs b's service and waits until
 * svstat names a new pid. Also proves svscan's event loop turned after everything done before.
 */
export async function stillSupervises(b: string, when: string): Promise<number> {
  const before = await waitFor(() => svstatPid(b), LONG, `${when}: svstat shows b up`);
  process.kill(before, 'SIGKILL');
  return waitFor(async () => {
    const p = await svstatPid(b);
    return p !== before && p;
  }, LONG, `${when}: b restarted with a new pid after SIGKILL`);
}

/** The 18-byte status record in a supervise directory (given by path), decoded; pid 0 while unreadable. */
export function statusPidIn(superviseDir: string): number {
  try {
    const b = readFileSync(join(superviseDir, 'status'));
    return b.length >= 18 ? b.readUInt32LE(12) : 0;
  } catch {
    return 0;
  }
}

/** Field 22 of /proc/PID/stat: the start time in clock ticks since boot. */
export function procStartTime(pid: number): string {
  const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return s.slice(s.lastIndexOf(')') + 2).split(' ')[19]!;
}

/** A line of /proc/PID/status (e.g. "Uid"), without the label. */
export function procStatusField(pid: number, field: string): string {
  const line = readFileSync(`/proc/${pid}/status`, 'latin1').split('\n').find((l) => l.startsWith(`${field}:`));
  return line ? line.slice(field.length + 1).trim() : '';
}

/** Resident memory of `pid` in MB (VmRSS), 0 when gone. */
export function rssMb(pid: number): number {
  try {
    return Number(procStatusField(pid, 'VmRSS').split(/\s+/)[0]) / 1024;
  } catch {
    return 0;
  }
}

/** The daemontools status record naming `pid` as up (want 'u'), as anyone may forge it. */
export function forgedStatus(pid: number): Buffer {
  const b = Buffer.alloc(18);
  b.writeBigUInt64BE(2n ** 62n + 10n + BigInt(Math.floor(Date.now() / 1000)), 0);
  b.writeUInt32BE(0, 8);
  b.writeUInt32LE(pid, 12);
  b[16] = 0;
  b[17] = 'u'.charCodeAt(0);
  return b;
}

/**
 * A directory D that looks supervised (D/supervise/ok is a FIFO the test holds open for reading)
 * but whose supervise/status is a FIFO: what a reader must not block on. Removed after the test.
 */
export function fifoStatusDir(t: { after(fn: () => void): void }): string {
  const { dir: root, cleanup } = tempDir();
  const d = join(root, 'd');
  mkdirSync(join(d, 'supervise'), { recursive: true });
  mkfifo(join(d, 'supervise/ok'));
  mkfifo(join(d, 'supervise/status'));
  const okFd = openSync(join(d, 'supervise/ok'), constants.O_RDONLY | constants.O_NONBLOCK);
  t.after(() => { closeSync(okFd); cleanup(); });
  return d;
}
