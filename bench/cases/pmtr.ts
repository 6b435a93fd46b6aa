/**
 * pmtr: time from saving pmtr.conf (an editor's write and rename) to the new job running (its
 * status file shows a pid and /proc shows the job's program); the cost of the exec chain pmtr puts
 * in front of a job with nice, ulimit, cpu and user (nice, prlimit, taskset, setpriv) beside a
 * direct exec; and the memory (PSS) of pmtr supervising 50 jobs beside our svscan with the same
 * 50 services.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchCase } from '../bench-case.js';
import { killGroup, onCleanup, tempDir } from '../cleanup.js';
import { totalPssKb } from '../pss.js';
import { makeServices, sleepRun } from '../service-dir.js';
import { sleep } from '../sleep.js';
import { median } from '../stats.js';
import { below, type Row } from '../table.js';
import { ours } from '../tools.js';

const JOBS = 50;

/** The pid in DIR/supervise/status, 0 when none. */
function statusPid(dir: string): number {
  try {
    return readFileSync(join(dir, 'supervise/status')).readUInt32LE(12);
  } catch {
    return 0;
  }
}

async function until<T>(f: () => T, timeoutMs = 60000): Promise<Exclude<T, 0 | false | undefined>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v as Exclude<T, 0 | false | undefined>;
    if (Date.now() > end) throw new Error('bench: pmtr: timed out');
    await sleep(2);
  }
}

/** Starts a long-running command in its own group, registered for cleanup. */
function daemon(cmd: string, args: string[], cwd: string): { child: ChildProcess; stop: () => Promise<void> } {
  const child = spawn(cmd, args, { cwd, stdio: 'ignore', detached: true });
  const stop = onCleanup(async () => {
    if (child.exitCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const t = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), 15000);
    await gone;
    clearTimeout(t);
  });
  return { child, stop };
}

const jobText = (name: string): string => `job {\n  name ${name}\n  cmd /bin/sleep 1000000\n}\n`;

/** Save-to-running times, ms. */
async function reloadTimes(reps: number): Promise<number[]> {
  const { dir, remove } = tempDir('pmtr-reload');
  const conf = join(dir, 'pmtr.conf');
  let text = jobText('base');
  writeFileSync(conf, text);
  const p = daemon(ours('pmtr'), ['-F', '-c', conf, '--state-dir', join(dir, 'state'), '--syslog', join(dir, 'none')], dir);
  const out: number[] = [];
  try {
    await until(() => statusPid(join(dir, 'state/base')));
    await sleep(500);
    for (let i = 0; i < reps; i++) {
      text += jobText(`new${i}`);
      writeFileSync(`${conf}.tmp`, text);
      const t0 = performance.now();
      renameSync(`${conf}.tmp`, conf);
      const sd = join(dir, 'state', `new${i}`);
      await until(() => {
        const pid = statusPid(sd);
        return pid && existsSync(`/proc/${pid}/comm`) && readFileSync(`/proc/${pid}/comm`, 'latin1') === 'sleep\n';
      });
      out.push(performance.now() - t0);
      await sleep(300);
    }
  } finally {
    await p.stop();
    await remove();
  }
  return out;
}

/** ms from spawn to exit of `argv`. */
function spawnToExit(argv: string[]): Promise<number> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const c = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
    c.once('error', rej);
    c.once('exit', () => res(performance.now() - t0));
  });
}

/** PSS (MB) of the one supervising process with JOBS sleep jobs/services, after all run. */
async function supervisorPss(kind: 'pmtr' | 'svscan', settleMs: number): Promise<number> {
  const { dir, remove } = tempDir(`pmtr-mem-${kind}`);
  const state = join(dir, 'state');
  let p: ReturnType<typeof daemon>;
  if (kind === 'pmtr') {
    writeFileSync(join(dir, 'pmtr.conf'), Array.from({ length: JOBS }, (_, i) => jobText(`j${i}`)).join(''));
    p = daemon(ours('pmtr'), ['-F', '-c', join(dir, 'pmtr.conf'), '--state-dir', state, '--syslog', join(dir, 'none')], dir);
  } else {
    makeServices(state, JOBS, sleepRun(1000000));
    p = daemon(ours('svscan'), [state], dir);
  }
  try {
    const names = Array.from({ length: JOBS }, (_, i) => (kind === 'pmtr' ? `j${i}` : `s${i + 1}`));
    await until(() => names.every((n) => statusPid(join(state, n)) > 0));
    await sleep(settleMs);
    const readings: number[] = [];
    for (let k = 0; k < 3; k++) {
      if (k) await sleep(1000);
      readings.push(totalPssKb([p.child.pid!]) / 1024);
    }
    return median(readings);
  } finally {
    await p.stop();
    await remove();
  }
}

export const pmtrCase: BenchCase = {
  name: 'pmtr',
  aliases: ['pmtr.conf'],
  needs: [],
  method:
    'Reload: pmtr with one job; each repetition appends a job to pmtr.conf and renames the file over the old one, timed until the ' +
    'new job\'s status file shows a pid whose /proc/PID/comm is `sleep` (polled every 2 ms). Exec chain: spawn-to-exit from Node of ' +
    '`nice -n 1 prlimit --nofile=100:100 -- taskset -c 0 setpriv --reuid=65534 --regid=65534 --clear-groups -- /bin/true` beside ' +
    '`/bin/true` (the difference is what a fully configured job adds to its start). Memory: Pss of the one supervising process ' +
    `(pmtr, or our svscan) with ${JOBS} \`sleep\` jobs/services, median of 3 readings 1 s apart after a settle pause.`,
  async run(ctx) {
    const reps = ctx.config.quick ? 3 : 10;
    ctx.log(`  pmtr: save-to-running, ${reps} saves`);
    const reload = await reloadTimes(reps);
    const direct: number[] = [];
    const chain: number[] = [];
    const chainArgv = ['/usr/bin/nice', '-n', '1', '/usr/bin/prlimit', '--nofile=100:100', '--', '/usr/bin/taskset', '-c', '0', '/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--', '/bin/true'];
    for (let i = 0; i < reps * 2; i++) {
      direct.push(await spawnToExit(['/bin/true']));
      chain.push(await spawnToExit(chainArgv));
    }
    const settle = ctx.config.settleSeconds * 1000;
    ctx.log(`  pmtr: memory with ${JOBS} jobs`);
    const pm = await supervisorPss('pmtr', settle);
    const sv = await supervisorPss('svscan', settle);
    const rows: Row[] = [
      { name: 'pmtr: save of pmtr.conf (rename) to the new job running', unit: 'ms', ours: median(reload), theirs: undefined, goal: below(1000, 'ms'), detail: `median of ${reps}` },
      { name: 'pmtr: exec chain of a fully configured job (nice, prlimit, taskset, setpriv), added to a direct exec', unit: 'ms', ours: Math.max(0, median(chain) - median(direct)), theirs: undefined, goal: below(20, 'ms'), detail: `median of ${reps * 2}` },
      { name: `memory: PSS of pmtr supervising ${JOBS} jobs`, unit: 'MB', ours: pm, theirs: undefined, detail: '1 run' },
      { name: `memory: PSS of our svscan supervising the same ${JOBS} services`, unit: 'MB', ours: sv, theirs: undefined, detail: '1 run' },
    ];
    return rows;
  },
};
