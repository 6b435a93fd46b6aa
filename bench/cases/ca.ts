/**
 * svca: caput -> state change latency (a WRITE of the `_control` enum until supervise/status shows
 * the service down), and 1000 services (8001 PVs) served to one client monitoring all of them:
 * svca's CPU per monitor update, CPU share and memory. Ours only (no C counterpart).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { BenchCase, CaseContext } from '../bench-case.js';
import { CaWireClient } from '../ca-wire-client.js';
import { onCleanup, tempDir } from '../cleanup.js';
import { cpuMs } from '../proc-info.js';
import { pssKb } from '../pss.js';
import { ScanTree } from '../scan-tree.js';
import { makeService, makeServices, sleepRun } from '../service-dir.js';
import { sleep, spinUntil, waitFor } from '../sleep.js';
import { median } from '../stats.js';
import { statusPid } from '../status-file.js';
import { below, type Row } from '../table.js';
import { ours } from '../tools.js';

const SUFFIXES = ['control', 'hb', 'status', 'pid', 'uptime', 'restarts', 'last_exit', 'ready'];
const ENUMS = new Set(['control', 'status', 'ready']);

/** Starts svca on a free-ish port for `scan`; resolves with its pid and port once it serves. */
async function startSvca(scan: string, port: number): Promise<{ pid: number; stop: () => Promise<void> }> {
  const child = spawn(ours('svca'), ['--port', String(port), '-p', 'B', scan], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = onCleanup(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  await waitFor(() => err.includes('serving') || child.exitCode !== null, 20000, 'svca serving');
  if (child.exitCode !== null) throw new Error(`svca exited: ${err}`);
  return { pid: child.pid!, stop };
}

export const caCase: BenchCase = {
  name: 'ca',
  aliases: ['svca'],
  needs: [],
  method:
    'Ours only. Latency: one service under our svscan and svca; a raw CA client sends WRITE DBR_ENUM 0 (Stop) to ' +
    '`_control` and the bench spins on supervise/status until pid 0 (then `svc -u` brings it back). Load: 1000 `sleep` ' +
    'services under our svscan, svca serving their 8001 PVs, one raw client monitoring all of them (DBR_TIME, mask 5); ' +
    'svca\'s utime+stime over the interval divided by the monitor updates the client received (`_hb` and `_uptime` tick every second), ' +
    'its CPU share, and its PSS.',
  async run(ctx: CaseContext) {
    const rows: Row[] = [];
    const port = 15070 + Math.floor(Math.random() * 1000);
    // latency
    {
      const { dir, remove } = tempDir('ca-latency');
      const scan = join(dir, 'scan');
      const svc = makeService(scan, 'c', sleepRun(1000000));
      const tree = new ScanTree('ours', scan, dir);
      try {
        await tree.waitUp();
        const s = await startSvca(scan, port);
        const client = new CaWireClient(port);
        const [cid] = await client.open(['B:MAN:c_control']);
        const lat: number[] = [];
        for (let i = 0; i < ctx.config.controlReps * 2; i++) {
          const t0 = performance.now();
          client.writeEnum(cid!, 0);
          const t1 = spinUntil(() => statusPid(svc) === 0, 10000, 'down after caput');
          lat.push(t1 - t0);
          client.writeEnum(cid!, 1);
          await waitFor(() => (statusPid(svc) ?? 0) > 0, 10000, 'up after caput Run');
          await sleep(300);
        }
        ctx.log(`  caput Stop -> status down: ${lat.map((x) => x.toFixed(1)).join(' ')} ms`);
        rows.push({ name: 'ca: caput `_control` Stop until supervise/status shows down', unit: 'ms', ours: median(lat), theirs: undefined, goal: below(100, 'ms'), detail: `median of ${lat.length}` });
        client.close();
        await s.stop();
      } finally {
        await tree.stop();
        await remove();
      }
    }
    // 1000 services monitored
    {
      const n = ctx.config.quick ? 100 : 1000;
      const seconds = ctx.config.quick ? 5 : 30;
      const { dir, remove } = tempDir('ca-load');
      const scan = join(dir, 'scan');
      makeServices(scan, n, sleepRun(1000000));
      const tree = new ScanTree('ours', scan, dir);
      try {
        await tree.waitUp(undefined, 120000);
        const s = await startSvca(scan, port + 1);
        const client = new CaWireClient(port + 1);
        const names = ['B:MAN:all'];
        for (let i = 1; i <= n; i++) for (const suf of SUFFIXES) names.push(`B:MAN:s${i}_${suf}`);
        const cids = await client.open(names, 120000);
        client.monitor(cids, (cid) => {
          const suf = names[cid - 1]!.split('_').pop()!;
          return ENUMS.has(suf) || names[cid - 1] === 'B:MAN:all' ? 17 : 19; // DBR_TIME_ENUM / DBR_TIME_LONG
        });
        await waitFor(() => client.updates >= names.length, 60000, 'initial monitor values');
        await sleep(3000);
        const u0 = client.updates;
        const c0 = cpuMs([s.pid]);
        const t0 = performance.now();
        await sleep(seconds * 1000);
        const cpu = cpuMs([s.pid]) - c0;
        const wall = performance.now() - t0;
        const updates = client.updates - u0;
        const pss = pssKb(s.pid);
        ctx.log(`  ${n} services, ${names.length} PVs: ${updates} updates in ${(wall / 1000).toFixed(1)} s, svca CPU ${cpu.toFixed(0)} ms, PSS ${(pss / 1024).toFixed(1)} MB`);
        rows.push({ name: `ca: svca CPU per monitor update, ${n} services (${names.length} PVs), one client monitoring all`, unit: 'µs', ours: updates ? (cpu * 1000) / updates : undefined, theirs: undefined, detail: `${seconds} s, ${updates} updates` });
        rows.push({ name: `ca: svca CPU share with ${n} services monitored`, unit: '%', ours: (cpu / wall) * 100, theirs: undefined, detail: `${seconds} s` });
        rows.push({ name: `ca: svca PSS with ${n} services monitored`, unit: 'MB', ours: pss / 1024, theirs: undefined, detail: '1 run' });
        client.close();
        await s.stop();
      } finally {
        await tree.stop();
        await remove();
      }
    }
    return rows;
  },
};
