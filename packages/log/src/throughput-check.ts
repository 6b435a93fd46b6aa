/**
 * Hand-run throughput check of multilog and tai64nlocal against Debian's C tools on the same input:
 *   node packages/log/dist/throughput-check.js [MB=100]
 * Each program runs twice, alternating; the best time is kept. Prints seconds, MB/s, peak RSS and our speed-up. `measureLogThroughput` is exported for bench/.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, fsyncSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** One timed run. */
export interface ThroughputResult {
  name: string;
  seconds: number;
  mbPerSec: number;
  /** Peak resident set size in kB, when /usr/bin/time is available. */
  maxRssKb: number | undefined;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Writes `mb` MiB of log-like lines (deterministic) to `path`. */
export function makeLogInput(path: string, mb: number): void {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'service', 'started', 'request', 'GET', '/index.html', '200', 'error:', 'timeout', 'connection', 'from', '10.0.0.1'];
  let x = 1;
  const rnd = (n: number): number => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x % n;
  };
  const fd = openSync(path, 'w');
  const target = mb * 1024 * 1024;
  let total = 0;
  while (total < target) {
    const lines: string[] = [];
    for (let i = 0; i < 10000; i++) {
      const n = 3 + rnd(13);
      const w: string[] = [];
      for (let k = 0; k < n; k++) w.push(words[rnd(words.length)]!);
      lines.push(w.join(' '));
    }
    const chunk = Buffer.from(`${lines.join('\n')}\n`);
    writeSync(fd, chunk);
    total += chunk.length;
  }
  fsyncSync(fd); // no write-back of the input competing with the runs' fsyncs
  closeSync(fd);
}

function timed(name: string, cmd: string, args: string[], input: string, cwd: string, bytes: number): ThroughputResult {
  const useTime = existsSync('/usr/bin/time');
  const inFd = openSync(input, 'r');
  const t0 = performance.now();
  const r = useTime
    ? spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { cwd, stdio: [inFd, 'ignore', 'pipe'] })
    : spawnSync(cmd, args, { cwd, stdio: [inFd, 'ignore', 'pipe'] });
  const seconds = (performance.now() - t0) / 1000;
  closeSync(inFd);
  if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr?.toString()}`);
  const rss = useTime ? Number(r.stderr.toString().trim().split('\n').pop()) : undefined;
  return { name, seconds, mbPerSec: bytes / 1048576 / seconds, maxRssKb: rss };
}

/** Runs ours and the C tools (when installed) on `mb` MiB of input in a temp dir; returns the results. */
export function measureLogThroughput(mb = 100): ThroughputResult[] {
  const dir = mkdtempSync(join(tmpdir(), 'svkit-throughput-'));
  try {
    const input = join(dir, 'input');
    makeLogInput(input, mb);
    const bytes = statSync(input).size;
    const results: ThroughputResult[] = [];
    const script = ['t', 's16777215', 'n20'];
    const progs: [string, string][] = [['ours', join(ROOT, 'bin')]];
    if (existsSync('/usr/bin/multilog')) progs.push(['C', '/usr/bin']);
    // each program twice, alternating, best time kept (the machine may be busy)
    for (const [who] of progs) rmSync(join(dir, `log-${who}`), { recursive: true, force: true });
    const best = new Map<string, ThroughputResult>();
    const keep = (r: ThroughputResult): void => {
      const b = best.get(r.name);
      if (!b || r.seconds < b.seconds) best.set(r.name, r);
    };
    for (let round = 0; round < 2; round++) {
      for (const [who, bin] of progs) {
        rmSync(join(dir, `log-${who}`), { recursive: true, force: true });
        keep(timed(`multilog t s16777215 n20 (${who})`, join(bin, 'multilog'), [...script, `./log-${who}`], input, dir, bytes));
      }
    }
    // tai64nlocal input: what our multilog wrote
    const logDir = join(dir, 'log-ours');
    const stamped = join(dir, 'stamped');
    const fd = openSync(stamped, 'w');
    for (const n of readdirSync(logDir).filter((f) => f.startsWith('@')).sort().concat('current')) writeSync(fd, readFileSync(join(logDir, n)));
    fsyncSync(fd);
    closeSync(fd);
    const sBytes = statSync(stamped).size;
    for (let round = 0; round < 2; round++) {
      for (const [who, bin] of progs) keep(timed(`tai64nlocal (${who})`, join(bin, 'tai64nlocal'), [], stamped, dir, sBytes));
    }
    results.push(...best.values());
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const mb = Number(process.argv[2] ?? 100);
  const res = measureLogThroughput(mb);
  for (const r of res) {
    process.stdout.write(`${r.name.padEnd(36)} ${r.seconds.toFixed(2)} s  ${r.mbPerSec.toFixed(0).padStart(5)} MB/s  ${r.maxRssKb ?? '?'} kB max RSS\n`);
  }
  for (const prog of ['multilog', 'tai64nlocal']) {
    const o = res.find((r) => r.name.startsWith(prog) && r.name.includes('(ours)'));
    const c = res.find((r) => r.name.startsWith(prog) && r.name.includes('(C)'));
    if (o && c) process.stdout.write(`${prog}: ours is ${(c.seconds / o.seconds).toFixed(2)}x the C throughput\n`);
  }
}
