/**
 * Restart: a service whose child exits after running 2 s; the time from the child's exit (its
 * /proc entry turns zombie or vanishes) to the status file naming the next child's pid.
 */
import { alternate, type BenchCase, type CaseContext } from '../bench-case.js';
import { running } from '../proc-info.js';
import { withScanTree } from '../scan-tree.js';
import { makeService, sleepRun } from '../service-dir.js';
import { spinUntil } from '../sleep.js';
import { median, medianIfAny } from '../stats.js';
import { statusPid } from '../status-file.js';
import { below, type Row } from '../table.js';
import type { Side } from '../tools.js';

const PER_ROUND = 2;

async function restartsMs(ctx: CaseContext, side: Side): Promise<number[]> {
  let svc = '';
  return withScanTree(side, `restart-${side}`, (scan) => void (svc = makeService(scan, 'r', sleepRun(2))), async (tree) => {
    await tree.waitUp();
    let pid = statusPid(svc)!;
    const out: number[] = [];
    for (let i = 0; i < PER_ROUND; i++) {
      const old = pid;
      const tExit = spinUntil(() => !running(old), 5000, `${side} service child to exit`);
      const tStart = spinUntil(() => {
        const p = statusPid(svc);
        return p !== undefined && p !== 0 && p !== old;
      }, 5000, `${side} supervisor to restart the service`);
      pid = statusPid(svc)!;
      out.push(tStart - tExit);
      ctx.log(`  ${side} restart: ${(tStart - tExit).toFixed(2)} ms`);
    }
    return out;
  });
}

/** Time from a 2 s child's exit until its supervisor has started the next one. */
export const restartCase: BenchCase = {
  name: 'restart',
  aliases: [],
  needs: ['svscan', 'supervise'],
  method:
    'A service `exec sleep 2` under svscan; the bench spins (0.1 ms naps) until the child\'s /proc entry is a zombie or ' +
    `gone, then until supervise/status names a new pid; ${PER_ROUND} restarts per round and side.`,
  async run(ctx) {
    const rounds = await alternate(ctx, ctx.config.restartRounds, (side) => restartsMs(ctx, side));
    const got = { ours: rounds.ours.flat(), theirs: rounds.theirs.flat() };
    const row: Row = {
      name: 'restart: child exits after 2 s until the new child runs',
      unit: 'ms',
      ours: median(got.ours),
      theirs: medianIfAny(got.theirs),
      goal: below(20, 'ms'),
      detail: `median of ${got.ours.length}`,
    };
    return [row];
  },
};
