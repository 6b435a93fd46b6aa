/**
 * Pickup: a new service symlinked into a running svscan's scan dir, timed until svok's test passes
 * (supervise/ok opens for writing), checked in-process every 0.5 ms so no process start-up is timed.
 */
import { spawnSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { alternate, type BenchCase, type CaseContext } from '../bench-case.js';
import { okOpens } from '../ok-probe.js';
import { withScanTree } from '../scan-tree.js';
import { makeService, sleepRun } from '../service-dir.js';
import { sleep, spinUntil } from '../sleep.js';
import { median, medianIfAny } from '../stats.js';
import { below, type Row } from '../table.js';
import { tool, type Side } from '../tools.js';

async function pickupMs(ctx: CaseContext, side: Side, rep: number): Promise<number> {
  return withScanTree(side, `pickup-${side}`, (scan) => void makeService(scan, 'base', sleepRun(1000000)), async (tree, scan, dir) => {
    await tree.waitUp();
    await sleep(300 + 700 * Math.random()); // a random phase against daemontools' 5 s rescan
    const svc = makeService(join(dir, 'pool'), 'new', sleepRun(1000000));
    const link = join(scan, 'new');
    const t0 = performance.now();
    symlinkSync(svc, link);
    const t1 = spinUntil(() => okOpens(link), 15000, `${side} svscan to pick up a new service`, 0.5);
    const ms = t1 - t0;
    const svok = spawnSync(tool(side, 'svok'), [link]);
    if (svok.status !== 0) throw new Error(`${side} svok says ${svok.status} after pickup`);
    ctx.log(`  ${side} pickup #${rep + 1}: ${ms.toFixed(1)} ms`);
    return ms;
  });
}

/** Time from symlinking a service into the scan dir until svok says its supervisor runs. */
export const pickupCase: BenchCase = {
  name: 'pickup',
  aliases: [],
  needs: ['svscan', 'supervise', 'svok'],
  method:
    'A fresh svscan with one service; after a random 0.3-1 s pause, a service dir is symlinked into the scan dir and ' +
    'the bench spins (0.5 ms naps) on svok\'s own test, open(NEW/supervise/ok, O_WRONLY|O_NONBLOCK); the real svok ' +
    'then confirms. daemontools only notices new services at its 5 s rescan.',
  async run(ctx) {
    const got = await alternate(ctx, ctx.config.pickupReps, (side, rep) => pickupMs(ctx, side, rep));
    const row: Row = {
      name: 'pickup: symlink a service until svok says running',
      unit: 'ms',
      ours: median(got.ours),
      theirs: medianIfAny(got.theirs),
      goal: below(100, 'ms'),
      detail: `median of ${ctx.config.pickupReps}`,
    };
    return [row];
  },
};
