/** Reading processes from /proc: parent links, command names, CPU times, working directories. */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** The fields of /proc/PID/stat that the bench uses. */
export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
}

/** Parses /proc/PID/stat; undefined when the process is gone. */
export function procStat(pid: number): ProcStat | undefined {
  let s: string;
  try {
    s = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  const close = s.lastIndexOf(')');
  const comm = s.slice(s.indexOf('(') + 1, close);
  const f = s.slice(close + 2).split(' ');
  return { pid, comm, state: f[0]!, ppid: Number(f[1]), pgrp: Number(f[2]), cpuTicks: Number(f[11]) + Number(f[12]) };
}

/** Every live process's stat. */
export function allProcs(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const n of readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    const st = procStat(Number(n));
    if (st) out.push(st);
  }
  return out;
}

/** `root` and all its descendants (by parent links, as of now). */
export function processTree(root: number): ProcStat[] {
  const procs = allProcs();
  const kids = new Map<number, ProcStat[]>();
  for (const p of procs) {
    const l = kids.get(p.ppid) ?? [];
    l.push(p);
    kids.set(p.ppid, l);
  }
  const rootStat = procs.find((p) => p.pid === root);
  if (!rootStat) return [];
  const out: ProcStat[] = [rootStat];
  for (let i = 0; i < out.length; i++) out.push(...(kids.get(out[i]!.pid) ?? []));
  return out;
}

let tickMs: number | undefined;

/** Milliseconds per clock tick (getconf CLK_TCK, normally 100 Hz = 10 ms). */
export function msPerTick(): number {
  if (tickMs === undefined) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const hz = Number(r.stdout?.trim());
    tickMs = 1000 / (Number.isFinite(hz) && hz > 0 ? hz : 100);
  }
  return tickMs;
}

/** CPU time (user + system) of the given processes, in ms; gone ones count 0. */
export function cpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) ticks += procStat(pid)?.cpuTicks ?? 0;
  return ticks * msPerTick();
}

/** Working directory of `pid`, or undefined. */
export function procCwd(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/** True while `pid` exists and is not a zombie. */
export function running(pid: number): boolean {
  const st = procStat(pid);
  return st !== undefined && st.state !== 'Z' && st.state !== 'X';
}

/**
 * CPU time of the given processes (every thread), in ms, from /proc/PID/task/TID/schedstat's
 * nanosecond run time: utime/stime are whole clock ticks per process, which rounds a C supervise
 * that runs 0.2 ms per restart down to nothing.
 */
export function preciseCpuMs(pids: number[]): number {
  let ns = 0;
  for (const pid of pids) {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1').split(' ')[0]);
      } catch { /* thread gone */ }
    }
  }
  return ns / 1e6;
}
