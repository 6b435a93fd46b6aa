/**
 * Control: `svc -d` until the status file shows the service down (round trip through the control
 * FIFO, the supervisor and the status file), and the wall time of svc, svstat and svok, compared
 * with bare Node start-up (`node -e ''`) and with the C tools.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchCase, CaseContext } from '../bench-case.js';
import { tempDir } from '../cleanup.js';
import { ScanTree } from '../scan-tree.js';
import { makeService, sleepRun } from '../service-dir.js';
import { sleep, spinUntil, waitFor } from '../sleep.js';
import { median, medianIfAny } from '../stats.js';
import { statusPid } from '../status-file.js';
import { atMostBaseline, type Row } from '../table.js';
import { tool, type Side } from '../tools.js';
import { wallMs } from '../wall-time.js';

interface Setup {
  tree: ScanTree;
  svc: string;
  remove: () => Promise<void>;
}

async function setUp(side: Side): Promise<Setup> {
  const { dir, remove } = tempDir(`control-${side}`);
  const svc = makeService(join(dir, 'scan'), 'c', sleepRun(1000000));
  const tree = new ScanTree(side, join(dir, 'scan'), dir);
  await tree.waitUp();
  return { tree, svc, remove };
}

/** svc -d DIR until supervise/status has pid 0; then brings the service back up (and past daemontools' 1 s start pause). */
async function downRoundTrip(side: Side, svc: string, via: 'svc' | 'fifo'): Promise<number> {
  const t0 = performance.now();
  if (via === 'fifo') {
    const fd = openSync(join(svc, 'supervise/control'), constants.O_WRONLY | constants.O_NONBLOCK);
    writeSync(fd, 'd');
    closeSync(fd);
  } else {
    const r = spawnSync(tool(side, 'svc'), ['-d', svc], { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${side} svc -d exited ${r.status}`);
  }
  const t1 = spinUntil(() => statusPid(svc) === 0, 10000, `${side} service down`);
  spawnSync(tool(side, 'svc'), ['-u', svc], { stdio: 'ignore' });
  await waitFor(() => (statusPid(svc) ?? 0) > 0, 10000, `${side} service up again`);
  await sleep(1200);
  return t1 - t0;
}

/** The svc -d round trip and the wall times of svc, svstat, svok. */
export const controlCase: BenchCase = {
  name: 'control',
  aliases: ['svc', 'svstat', 'svok'],
  needs: ['svscan', 'supervise', 'svc', 'svstat', 'svok'],
  method:
    'One service per side under its own svscan. Round trip: from spawning `svc -d DIR` until supervise/status shows ' +
    'pid 0 (spinning on the file); the same with the bench writing \'d\' into supervise/control itself; then `svc -u` and a 1.2 s pause (daemontools ignores control for 1 s after a start). ' +
    'Wall times: spawnSync from start to exit of `svc -u DIR` (service already up), `svstat DIR`, `svok DIR` and ' +
    '`node -e \'\'`, interleaved.',
  async run(ctx: CaseContext) {
    const sides = ctx.sides(0);
    const setups = new Map<Side, Setup>();
    try {
      for (const side of sides) setups.set(side, await setUp(side));
      await sleep(1200);
      const trip: Record<Side, number[]> = { ours: [], theirs: [] };
      const fifo: Record<Side, number[]> = { ours: [], theirs: [] };
      for (let rep = 0; rep < ctx.config.controlReps; rep++) {
        for (const side of ctx.sides(rep)) {
          trip[side].push(await downRoundTrip(side, setups.get(side)!.svc, 'svc'));
          fifo[side].push(await downRoundTrip(side, setups.get(side)!.svc, 'fifo'));
          ctx.log(`  ${side} svc -d round trip: ${trip[side].at(-1)!.toFixed(1)} ms; 'd' into the control FIFO: ${fifo[side].at(-1)!.toFixed(2)} ms`);
        }
      }
      const cmds: [string, (svc: string) => string[]][] = [['svc', (s) => ['-u', s]], ['svstat', (s) => [s]], ['svok', (s) => [s]]];
      const walls = new Map<string, number[]>();
      const add = (k: string, v: number): void => void walls.set(k, [...(walls.get(k) ?? []), v]);
      for (let rep = 0; rep < ctx.config.wallReps; rep++) {
        add('node', wallMs(process.execPath, ['-e', '']));
        for (const [cmd, args] of cmds) {
          for (const side of ctx.sides(rep)) add(`${cmd} ${side}`, wallMs(tool(side, cmd), args(setups.get(side)!.svc)));
        }
      }
      const get = (k: string): number | undefined => (walls.has(k) ? median(walls.get(k)!) : undefined);
      const node = get('node')!;
      ctx.log(`  node -e '': ${node.toFixed(1)} ms`);
      const rows: Row[] = [
        {
          name: 'control: `svc -d` until status shows down',
          unit: 'ms',
          ours: median(trip.ours),
          theirs: medianIfAny(trip.theirs),
          detail: `median of ${ctx.config.controlReps}`,
        },
        {
          name: "control: 'd' written into supervise/control until status shows down (supervisor only)",
          unit: 'ms',
          ours: median(fifo.ours),
          theirs: medianIfAny(fifo.theirs),
          detail: `median of ${ctx.config.controlReps}`,
        },
        { name: "bare Node start-up `node -e ''` (baseline)", unit: 'ms', ours: node, theirs: undefined, detail: `median of ${ctx.config.wallReps}` },
      ];
      for (const [cmd] of cmds) {
        rows.push({
          name: `wall time of \`${cmd}\``,
          unit: 'ms',
          ours: get(`${cmd} ours`),
          theirs: get(`${cmd} theirs`),
          goal: atMostBaseline(1.2, node, "node -e ''", 'ms'),
          detail: `median of ${ctx.config.wallReps}`,
        });
      }
      return rows;
    } finally {
      for (const s of setups.values()) {
        await s.tree.stop();
        await s.remove();
      }
    }
  },
};
