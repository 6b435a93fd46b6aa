/**
 * Log throughput: `multilog t s16777215 n20 ./DIR` and `tai64nlocal` on the same fsynced input
 * (realistic lines; tai64nlocal reads what our multilog wrote), ours and the C tools alternating.
 */
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { alternate, type BenchCase, type CaseContext } from '../bench-case.js';
import { tempDir } from '../cleanup.js';
import { writeLogInput } from '../log-input.js';
import { medianIfAny } from '../stats.js';
import { atLeastTheirs, type Row } from '../table.js';
import { tool } from '../tools.js';

/** Runs `cmd args` with stdin from `input`, stdout to /dev/null; returns seconds. */
function timedRun(cmd: string, args: string[], input: string, cwd: string): number {
  const fd = openSync(input, 'r');
  // stdout: /dev/null write-only, as a shell's >/dev/null ('ignore' opens it read-write, which is what
  // Node puts in place of a closed fd 1, and our tai64n then reports a closed output)
  const out = openSync('/dev/null', 'w');
  try {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { cwd, stdio: [fd, out, 'pipe'] });
    const s = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status ?? r.signal}): ${r.stderr?.toString().trim()}`);
    return s;
  } finally {
    closeSync(fd);
    closeSync(out);
  }
}

/** Concatenates the log files of `logDir` (rotated in name order, then current) into `out`, fsynced. */
function collectLog(logDir: string, out: string): number {
  const fd = openSync(out, 'w');
  try {
    for (const n of readdirSync(logDir).filter((f) => f.startsWith('@')).sort().concat('current')) writeSync(fd, readFileSync(join(logDir, n)));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return statSync(out).size;
}

/** multilog and tai64nlocal throughput, MB/s. */
export const logCase: BenchCase = {
  name: 'log',
  aliases: ['multilog', 'tai64nlocal'],
  needs: ['multilog', 'tai64nlocal'],
  method:
    'Deterministic log lines (ISO time stamp, level, component, words and numbers; 40-200 bytes), written and fsynced ' +
    'before timing. `multilog t s16777215 n20 ./log` reads the file on stdin (fresh log dir each run); tai64nlocal ' +
    'reads everything our multilog wrote (stdout to /dev/null). Wall time from spawn to exit; MB/s = input MiB / s.',
  async run(ctx: CaseContext) {
    const { dir, remove } = tempDir('log');
    try {
      const input = join(dir, 'input');
      const bytes = writeLogInput(input, ctx.config.logMb);
      ctx.log(`  input: ${(bytes / 1048576).toFixed(1)} MiB`);
      const ml = await alternate(ctx, ctx.config.logReps, (side) => {
        rmSync(join(dir, `log-${side}`), { recursive: true, force: true });
        const s = timedRun(tool(side, 'multilog'), ['t', 's16777215', 'n20', `./log-${side}`], input, dir);
        ctx.log(`  ${side} multilog: ${s.toFixed(2)} s`);
        return bytes / 1048576 / s;
      });
      const stamped = join(dir, 'stamped');
      const sBytes = collectLog(join(dir, 'log-ours'), stamped);
      for (const side of ['ours', 'theirs'] as const) rmSync(join(dir, `log-${side}`), { recursive: true, force: true });
      const tl = await alternate(ctx, ctx.config.logReps, (side) => {
        const s = timedRun(tool(side, 'tai64nlocal'), [], stamped, dir);
        ctx.log(`  ${side} tai64nlocal: ${s.toFixed(2)} s`);
        return sBytes / 1048576 / s;
      });
      const mbs = `${ctx.config.logMb} MB`;
      const detail = `median of ${ctx.config.logReps}`;
      return [
        { name: `multilog t s16777215 n20, ${mbs}`, unit: 'MB/s', ours: medianIfAny(ml.ours), theirs: medianIfAny(ml.theirs), goal: atLeastTheirs(1.5), detail },
        { name: `tai64nlocal, ${mbs} + labels`, unit: 'MB/s', ours: medianIfAny(tl.ours), theirs: medianIfAny(tl.theirs), goal: atLeastTheirs(1.5), detail },
      ] satisfies Row[];
    } finally {
      await remove();
    }
  },
};
