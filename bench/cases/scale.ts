/**
 * Scale: what forks and reaps. Start-up of N services until every status shows a pid; `svc -t` to
 * all N until every one has a new pid; M services crash-looping (`exit 1`): the supervisors' CPU
 * and, under strace -c, wait4 calls per exit.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alternate, type BenchCase, type CaseContext } from '../bench-case.js';
import { preciseCpuMs, processTree } from '../proc-info.js';
import { withScanTree } from '../scan-tree.js';
import { makeServices, sleepRun } from '../service-dir.js';
import { sleep, waitFor } from '../sleep.js';
import { median, medianIfAny } from '../stats.js';
import { statusPid } from '../status-file.js';
import { atMostTheirs, type Row } from '../table.js';
import { tool, type Side } from '../tools.js';

/** A run script that records each start in ./starts and exits 1 at once. */
const CRASH_RUN = '#!/bin/sh\necho >> starts\nexit 1\n';

interface UpSample {
  upMs: number;
  restartMs: number;
}

/** Start-up of `n` services, then `svc -t` to all of them until each has a new pid. */
async function startAndRestart(ctx: CaseContext, side: Side, n: number): Promise<UpSample> {
  let t0 = 0;
  let dirs: string[] = [];
  return withScanTree(side, `scale${n}-${side}`, (scan) => {
    dirs = makeServices(scan, n, sleepRun(1000000));
    t0 = performance.now();
  }, async (tree) => {
    await tree.waitUp(dirs, 180000);
    const upMs = performance.now() - t0;
    await sleep(1500); // past the 1 s that 0.76 waits after a start before it restarts
    const before = dirs.map((d) => statusPid(d));
    const t1 = performance.now();
    const svc = spawn(tool(side, 'svc'), ['-t', ...dirs], { stdio: 'ignore' });
    await waitFor(() => dirs.every((d, i) => { const p = statusPid(d); return p !== undefined && p > 0 && p !== before[i]; }), 180000, `${n} restarts under ${side} svscan`, 20);
    const restartMs = performance.now() - t1;
    await new Promise<void>((r) => (svc.exitCode !== null ? r() : svc.once('exit', () => r())));
    ctx.log(`  ${side} ${n} services: up in ${upMs.toFixed(0)} ms, all restarted in ${restartMs.toFixed(0)} ms`);
    return { upMs, restartMs };
  });
}

interface CrashSample {
  cpuMs: number;
  exits: number;
  wait4PerExit?: number;
}

/** The supervision processes of a tree: our svscan; daemontools' svscan and its supervise processes. */
function supervisors(root: number): number[] {
  return processTree(root).filter((p) => p.pid === root || p.comm === 'supervise').map((p) => p.pid);
}

/** Starts counted in the services' ./starts files. */
function countStarts(dirs: string[]): number {
  let n = 0;
  for (const d of dirs) {
    try {
      n += readFileSync(join(d, 'starts'), 'latin1').length;
    } catch { /* not started yet */ }
  }
  return n;
}

/** `strace -c -e trace=wait4` attached to `pids` for `seconds`: the number of wait4 calls (undefined without strace). */
async function countWait4(pids: number[], seconds: number): Promise<number | undefined> {
  if (spawnSync('strace', ['-V'], { stdio: 'ignore' }).status !== 0) return undefined;
  const st = spawn('strace', ['-c', '-e', 'trace=wait4', ...pids.flatMap((p) => ['-p', String(p)])], { stdio: ['ignore', 'ignore', 'pipe'] });
  let out = '';
  st.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<void>((r) => st.once('exit', () => r()));
  await sleep(seconds * 1000);
  st.kill('SIGINT');
  await done;
  const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?wait4\s*$/m.exec(out);
  return m ? Number(m[1]) : 0;
}

/** `m` services crash-looping: CPU of the supervisors over `seconds`, then wait4 calls per exit under strace. */
async function crashLoop(ctx: CaseContext, side: Side, m: number, seconds: number): Promise<CrashSample> {
  let dirs: string[] = [];
  return withScanTree(side, `crash${m}-${side}`, (scan) => {
    dirs = makeServices(scan, m, CRASH_RUN);
  }, async (tree) => {
    await waitFor(() => dirs.every((d) => countStarts([d]) >= 2), 120000, `${m} services crash-looping under ${side} svscan`, 100);
    const pids = supervisors(tree.pid);
    const c0 = preciseCpuMs(pids);
    const s0 = countStarts(dirs);
    await sleep(seconds * 1000);
    const cpu = preciseCpuMs(pids) - c0;
    const exits = countStarts(dirs) - s0;
    const w0 = countStarts(dirs);
    const calls = await countWait4(pids, Math.min(seconds, 10));
    const traced = countStarts(dirs) - w0;
    const sample: CrashSample = { cpuMs: cpu, exits, wait4PerExit: calls === undefined || traced === 0 ? undefined : calls / traced };
    ctx.log(`  ${side} ${m} crash-looping services: ${cpu.toFixed(0)} ms CPU for ${exits} exits in ${seconds} s; wait4 ${calls ?? 'n/a'} calls for ${traced} exits`);
    return sample;
  });
}

/** Start, restart and crash-loop at scale. */
export const scaleCase: BenchCase = {
  name: 'scale',
  aliases: ['spawn', 'reap', 'crash'],
  needs: ['svscan', 'supervise', 'svc'],
  method:
    'Start-up: N services `exec sleep` in a fresh scan directory, from svscan\'s spawn until every supervise/status shows a pid. ' +
    'Restart: 1.5 s later, one `svc -t` (each side its own) naming all N, until every status shows a new pid. ' +
    'Crash loop: M services whose run appends a line to ./starts and exits 1 (0.76 and we both restart a quick death after 1 s); ' +
    'once each has started twice, the CPU time (schedstat, every thread) of the supervision processes (our svscan; their svscan and M supervise) over the interval, ' +
    'exits counted from ./starts. wait4 per exit: `strace -c -e trace=wait4` attached to the same processes (main thread for ours) for up to 10 s ' +
    'right after, divided by the exits meanwhile (the CPU figure is taken before strace attaches).',
  async run(ctx) {
    const { scaleServices: n, scaleReps: reps, crashServices: m, crashSeconds: secs } = ctx.config;
    const up = await alternate(ctx, reps, (side) => startAndRestart(ctx, side, n));
    const crash = await alternate(ctx, 1, (side) => crashLoop(ctx, side, m, secs));
    const med = (xs: number[]): number | undefined => medianIfAny(xs);
    const detail = reps === 1 ? '1 run each' : `median of ${reps}`;
    const perExit = (s: CrashSample[]): number | undefined => (s[0]?.wait4PerExit === undefined ? undefined : median(s.map((x) => x.wait4PerExit!)));
    const rows: Row[] = [
      { name: `scale: start-up of ${n} services until every status shows a pid`, unit: 'ms', ours: med(up.ours.map((s) => s.upMs)), theirs: med(up.theirs.map((s) => s.upMs)), goal: atMostTheirs(1, 'daemontools'), detail },
      { name: `scale: \`svc -t\` to all ${n} services until every one has a new pid`, unit: 'ms', ours: med(up.ours.map((s) => s.restartMs)), theirs: med(up.theirs.map((s) => s.restartMs)), goal: atMostTheirs(1, 'daemontools'), detail },
      { name: `scale: CPU of the supervisors, ${m} services crash-looping for ${secs} s`, unit: 'ms', ours: med(crash.ours.map((s) => s.cpuMs)), theirs: med(crash.theirs.map((s) => s.cpuMs)), goal: atMostTheirs(2, 'daemontools'), detail: '1 run each' },
      { name: `scale: exits in that interval (restart rate check)`, unit: '', ours: med(crash.ours.map((s) => s.exits)), theirs: med(crash.theirs.map((s) => s.exits)), detail: '1 run each' },
      { name: `scale: wait4 calls per exit, ${m} services crash-looping (strace -c)`, unit: '', ours: perExit(crash.ours), theirs: perExit(crash.theirs), goal: { text: '<= 2.5 (one that reaps, one that finds none), whatever N', needsTheirs: false, met: (o) => o <= 2.5 }, detail: '1 run each' },
    ];
    return rows;
  },
};
