/** What /proc says about a process, for the chain tests (not a test file). */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** Fields of /proc/PID/status, by name. */
export function procStatus(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

/** /proc/PID/limits as `name -> "soft hard"`. */
export function procLimits(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').slice(1)) {
    const m = /^(.+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    if (m) out[m[1]!] = `${m[2]} ${m[3]}`;
  }
  return out;
}

/** The environment process PID was started with. */
export function procEnv(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const i = kv.indexOf('=');
    if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

/** Open descriptors of PID: fd number -> link target. */
export function procFds(pid: number): Map<number, string> {
  const out = new Map<number, string>();
  for (const n of readdirSync(`/proc/${pid}/fd`)) {
    try { out.set(Number(n), readlinkSync(`/proc/${pid}/fd/${n}`)); } catch { /* closed meanwhile */ }
  }
  return out;
}

/** The executable PID runs, or '' when it is gone. */
export function procExe(pid: number): string {
  try { return readlinkSync(`/proc/${pid}/exe`); } catch { return ''; }
}

/** The pid recorded in DIR/supervise/status (bytes 12-15, little-endian); 0 when not running or unreadable. */
export function supervisedPid(dir: string): number {
  try {
    const b = readFileSync(`${dir}/supervise/status`);
    return b.length >= 18 ? b.readUInt32LE(12) : 0;
  } catch {
    return 0;
  }
}

/** A user with supplementary groups beyond its primary one (from /etc/group), for setuidgid tests. */
export function userWithGroups(): string | undefined {
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => l.split(':'));
  for (const g of readFileSync('/etc/group', 'utf8').split('\n')) {
    const members = (g.split(':')[3] ?? '').split(',').filter(Boolean);
    for (const m of members) if (passwd.some((p) => p[0] === m && p[3] !== g.split(':')[2])) return m;
  }
  return undefined;
}

/** Kills (SIGKILL) every process whose working directory is `dir` or below: orphans of a test's service. */
export function killProcessesIn(dir: string): void {
  for (const n of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(n) || Number(n) === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${n}/cwd`);
      if (cwd === dir || cwd.startsWith(`${dir}/`)) process.kill(Number(n), 'SIGKILL');
    } catch { /* gone or not ours to see */ }
  }
}

/** True once PID is blocked in nanosleep (sleep(1) done with its start-up, e.g. the locale files it opens and closes). */
export function inNanosleep(pid: number): boolean {
  try {
    if (readFileSync(`/proc/${pid}/wchan`, 'utf8').includes('nanosleep')) return true;
    const nr = readFileSync(`/proc/${pid}/syscall`, 'utf8').split(' ')[0];
    return nr === '230' || nr === '115'; // clock_nanosleep on x86_64 / aarch64
  } catch {
    return false;
  }
}
