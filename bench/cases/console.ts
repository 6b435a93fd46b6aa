/**
 * Console: a child printing N MB as fast as it can through procserv (ours) or procServ (C) on a pty,
 * to two draining UNIX-socket clients and a log file; CPU (utime+stime) of the server process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, constants, existsSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { alternate, type BenchCase, type CaseContext } from '../bench-case.js';
import { killGroup, killPid, onCleanup, tempDir } from '../cleanup.js';
import { writeConsoleData } from '../console-data.js';
import { drainClient, type DrainClient } from '../drain-client.js';
import { cpuMs, processTree, running } from '../proc-info.js';
import { nap, sleep, waitFor } from '../sleep.js';
import { medianIfAny } from '../stats.js';
import { atMostTheirs, type Row } from '../table.js';
import { tool, type Side } from '../tools.js';

interface ConsoleSample {
  cpuMs: number;
  wallMs: number;
}

function fileSize(p: string): number {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
}

/** Opens the FIFO for writing once the child waits on it, and sends the start line. */
function releaseChild(fifo: string): void {
  const end = performance.now() + 10000;
  for (;;) {
    try {
      const fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      writeSync(fd, 'go\n');
      closeSync(fd);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENXIO' || performance.now() > end) throw e;
      nap(1);
    }
  }
}

async function runConsole(ctx: CaseContext, side: Side, dir: string, data: string, dataBytes: number, rep: number): Promise<ConsoleSample> {
  const sock = join(dir, `console-${side}-${rep}`);
  const log = join(dir, `log-${side}-${rep}`);
  const fifo = join(dir, `go-${side}-${rep}`);
  spawnSync('mkfifo', [fifo]);
  const child = join(dir, `child-${side}-${rep}`);
  writeFileSync(child, `#!/bin/sh\nread x < '${fifo}'\nexec cat '${data}'\n`);
  chmodSync(child, 0o755);
  const bin = tool(side, side === 'ours' ? 'procserv' : 'procServ');
  const err = openSync(join(dir, `server-${side}.err`), 'a');
  const server = spawn(bin, ['-f', '-q', '-L', log, '--noautorestart', '-P', `unix:${sock}`, child], { cwd: dir, detached: true, stdio: ['ignore', 'ignore', err] });
  closeSync(err);
  server.on('error', () => {});
  const pid = server.pid!;
  const clients: DrainClient[] = [];
  const stop = onCleanup(async () => {
    for (const c of clients) c.close();
    killPid(pid, 'SIGTERM');
    await waitFor(() => !running(pid), 5000, 'server exit').catch(() => {});
    killGroup(pid, 'SIGKILL');
  });
  try {
    await waitFor(() => existsSync(sock) || !running(pid), 10000, `${side} console socket`);
    if (!running(pid)) throw new Error(`${side} console server exited at start (see ${dir}/server-${side}.err)`);
    clients.push(await drainClient(sock), await drainClient(sock));
    await sleep(300); // both clients registered with the server
    const cpu0 = cpuMs([pid]);
    const t0 = performance.now();
    releaseChild(fifo);
    let last = -1;
    let lastChange = performance.now();
    await waitFor(() => {
      const now = clients.map((c) => c.bytes()).concat(fileSize(log)).reduce((a, b) => a + b, 0);
      if (now !== last) {
        last = now;
        lastChange = performance.now();
        return false;
      }
      const childGone = processTree(pid).every((p) => p.pid === pid || p.state === 'Z');
      return childGone && fileSize(log) >= dataBytes && performance.now() - lastChange > 500;
    }, 300000, `${side}: ${dataBytes} bytes through the console`, 50);
    const sample = { cpuMs: cpuMs([pid]) - cpu0, wallMs: lastChange - t0 };
    const got = clients.map((c) => c.bytes());
    ctx.log(`  ${side} console: CPU ${sample.cpuMs.toFixed(0)} ms, wall ${sample.wallMs.toFixed(0)} ms, clients got ${got.join(' / ')} bytes, log ${fileSize(log)} bytes (input ${dataBytes})`);
    if (got.some((n) => n < dataBytes)) ctx.log(`  NOTE: ${side}: a client received less than the input (dropped as too slow?)`);
    return sample;
  } finally {
    await stop();
  }
}

/** procserv vs procServ: server CPU for N MB to two clients and a log. */
export const consoleCase: BenchCase = {
  name: 'console',
  aliases: ['procserv', 'procServ'],
  needs: ['procServ'],
  method:
    'Server started as `-f -q -L LOG --noautorestart -P unix:SOCK CHILD`; CHILD waits on a FIFO, then `exec cat`s a ' +
    'pre-generated fsynced file of base64 lines. Two node clients connect and drain; the bench releases the child and ' +
    'waits until the log holds at least the input, the child is gone and nothing moved for 0.5 s. CPU = utime+stime ' +
    'delta of the server process (/proc/PID/stat) from release to then.',
  async run(ctx: CaseContext) {
    const { dir, remove } = tempDir('console');
    try {
      const data = join(dir, 'data');
      const bytes = writeConsoleData(data, ctx.config.consoleMb);
      const got = await alternate(ctx, ctx.config.consoleReps, (side, rep) => runConsole(ctx, side, dir, data, bytes, rep));
      const med = (side: Side, f: (s: ConsoleSample) => number): number | undefined => medianIfAny(got[side].map(f));
      const what = `${ctx.config.consoleMb} MB to 2 clients + log`;
      const detail = `median of ${ctx.config.consoleReps}`;
      return [
        { name: `console: server CPU, ${what}`, unit: 'ms', ours: med('ours', (s) => s.cpuMs), theirs: med('theirs', (s) => s.cpuMs), goal: atMostTheirs(1.5, 'procServ'), detail },
        { name: `console: wall time, ${what}`, unit: 'ms', ours: med('ours', (s) => s.wallMs), theirs: med('theirs', (s) => s.wallMs), detail },
      ] satisfies Row[];
    } finally {
      await remove();
    }
  },
};
