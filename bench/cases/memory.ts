/**
 * Memory and idle CPU of a supervision tree: N `sleep` services under svscan, PSS summed over
 * the supervision processes (our one svscan; daemontools' svscan + N supervise) and over the
 * whole tree, then CPU used by the supervision processes over an idle interval at the largest N.
 */
import { chownSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchCase, CaseContext } from '../bench-case.js';
import { idleCpuMs } from '../idle-cpu.js';
import { totalPssKb } from '../pss.js';
import { withScanTree } from '../scan-tree.js';
import { makeServices, sleepRun } from '../service-dir.js';
import { sleep } from '../sleep.js';
import { median } from '../stats.js';
import { atMostTheirs, type Goal, type Row } from '../table.js';
import type { Side } from '../tools.js';

/** Goal for the 10-service tree (issue 14): one Node process cannot get near 10 C processes' 1.6 MB, but should stay small. */
const TEN_SERVICES_GOAL: Goal = { text: '<= 15 MB', needsTheirs: false, met: (o) => o <= 15 };

/** chown -R without following links. */
function chownTree(path: string, uid: number): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  chownSync(path, uid, uid);
  if (st.isDirectory()) for (const f of readdirSync(path)) chownTree(join(path, f), uid);
}

/** PSS readings per tree, 1 s apart; the median is kept (ours moves with V8's garbage collector). */
const READINGS = 3;

interface TreeSample {
  supervisionMb: number;
  allMb: number;
  supervisionProcs: number;
  upMs: number;
  idleMs?: number;
}

/** The user whose services the per-owner row runs (root svscan hands them to a supervisor running as that user). */
const OTHER_USER = 65534;

async function measureTree(ctx: CaseContext, side: Side, n: number, idleSeconds: number | undefined, owner?: number): Promise<TreeSample> {
  let t0 = 0;
  const setup = (scan: string): void => {
    const dirs = makeServices(scan, n, sleepRun(1000000));
    if (owner !== undefined) for (const d of dirs) chownTree(d, owner);
    t0 = performance.now();
  };
  return withScanTree(side, `mem${n}-${side}`, setup, async (tree) => {
    await tree.waitUp(undefined, 120000);
    const upMs = performance.now() - t0;
    await sleep(ctx.config.settleSeconds * 1000);
    const sup: number[] = [];
    const tot: number[] = [];
    let procs = 0;
    for (let k = 0; k < READINGS; k++) {
      if (k > 0) await sleep(1000);
      const { supervision, all } = tree.pids();
      procs = supervision.length;
      sup.push(totalPssKb(supervision) / 1024);
      tot.push(totalPssKb(all) / 1024);
    }
    const sample: TreeSample = { supervisionMb: median(sup), allMb: median(tot), supervisionProcs: procs, upMs };
    const range = `${Math.min(...sup).toFixed(1)}-${Math.max(...sup).toFixed(1)}`;
    ctx.log(`  ${side} ${n} services: up in ${upMs.toFixed(0)} ms, ${procs} supervision processes, PSS ${sample.supervisionMb.toFixed(1)} MB (${range}; tree ${sample.allMb.toFixed(1)} MB)`);
    if (idleSeconds !== undefined) {
      await sleep(ctx.config.idleSettleSeconds * 1000);
      sample.idleMs = await idleCpuMs(() => tree.pids().supervision, idleSeconds);
      ctx.log(`  ${side} ${n} services: idle CPU ${sample.idleMs.toFixed(0)} ms over ${idleSeconds} s`);
    }
    return sample;
  });
}

/** Memory (PSS) at 10/100/1000 services and idle CPU at the largest size. */
export const memoryCase: BenchCase = {
  name: 'memory',
  aliases: ['idle', 'tree', 'pss'],
  needs: ['svscan', 'supervise'],
  method:
    'N services `exec sleep 1000000` under svscan; after all status files show a pid and a settle pause, the median of ' +
    `${READINGS} readings 1 s apart of Pss from ` +
    '/proc/PID/smaps_rollup is summed over the supervision processes (every process of svscan\'s tree that is not a ' +
    'service pid from a status file: our one svscan; daemontools\' svscan + N supervise) and over the whole tree. ' +
    'Idle CPU: utime+stime of the supervision processes over the idle interval, on the largest tree, first run, ' +
    'starting a settle pause (60 s in a full run) after the PSS readings, on both sides: Node shrinks its start-up heap meanwhile.',
  async run(ctx) {
    const rows: Row[] = [];
    const sizes = ctx.config.treeSizes;
    const largest = sizes[sizes.length - 1]!;
    let idle: Partial<Record<Side, number>> = {};
    const upLargest: Partial<Record<Side, number>> = {};
    for (const n of sizes) {
      const reps = n >= 1000 ? 1 : ctx.config.treeReps;
      const samples: Record<Side, TreeSample[]> = { ours: [], theirs: [] };
      for (let rep = 0; rep < reps; rep++) {
        for (const side of ctx.sides(rep)) {
          const s = await measureTree(ctx, side, n, n === largest && rep === 0 ? ctx.config.idleSeconds : undefined);
          samples[side].push(s);
          if (s.idleMs !== undefined) idle = { ...idle, [side]: s.idleMs };
          if (n === largest && rep === 0) upLargest[side] = s.upMs;
        }
      }
      const med = (side: Side, f: (s: TreeSample) => number): number | undefined => (samples[side].length ? median(samples[side].map(f)) : undefined);
      const detail = reps === 1 ? '1 run each' : `median of ${reps}`;
      rows.push({
        name: `memory: PSS of supervisors, ${n} services`,
        unit: 'MB',
        ours: med('ours', (s) => s.supervisionMb),
        theirs: med('theirs', (s) => s.supervisionMb),
        goal: n === 1000 ? atMostTheirs(1, 'daemontools') : n === 10 ? TEN_SERVICES_GOAL : undefined,
        detail,
      });
      rows.push({ name: `memory: PSS incl. the sleep services, ${n} services`, unit: 'MB', ours: med('ours', (s) => s.allMb), theirs: med('theirs', (s) => s.allMb), detail });
    }
    if (process.geteuid?.() === 0) {
      // svscan as root with services of another user: its supervisor (svscan-owner) is a second Node process
      const samples: Partial<Record<Side, TreeSample>> = {};
      for (const side of ctx.sides(0)) samples[side] = await measureTree(ctx, side, 10, undefined, OTHER_USER);
      rows.push({ name: 'memory: PSS of supervisors, 10 services of another user (ours: svscan + svscan-owner)', unit: 'MB', ours: samples.ours?.supervisionMb, theirs: samples.theirs?.supervisionMb, detail: '1 run each' });
    }
    rows.push({ name: `start-up: svscan with ${largest} services until all status files show a pid`, unit: 'ms', ours: upLargest.ours, theirs: upLargest.theirs, detail: '1st run each' });
    rows.push({ name: `idle CPU of the supervisors, ${largest} services, ${ctx.config.idleSeconds} s`, unit: 'ms', ours: idle.ours, theirs: idle.theirs, goal: atMostTheirs(1, 'daemontools'), detail: '1 run each' });
    return rows;
  },
};
