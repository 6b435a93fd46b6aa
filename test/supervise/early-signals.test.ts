/**
 * svscan catches TERM/INT/HUP from its first line of JavaScript (bin/svscan loads early-signals
 * alone, then the rest), so as PID 1 a `docker stop` during start-up is not dropped by the kernel.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { haveTool, ours, sleep, start, tempDir, waitFor } from '../helpers/proc.js';
import { makeService } from '../helpers/service-dir.js';

const ENV = { ...process.env, PATH: `${join(ours('svscan'), '..')}:${process.env.PATH}` };

/** The first child of `pid` (0 while none). */
function firstChild(pid: number): number {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return kids ? Number(kids.split(' ')[0]) : 0;
  } catch {
    return 0;
  }
}

/** The caught-signals mask of `pid` (SigCgt), 0n when it cannot be read. */
function caught(pid: number): bigint {
  try {
    const m = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? BigInt(`0x${m[1]}`) : 0n;
  } catch {
    return 0n;
  }
}
const HUP = 1n << 0n;

test('bin/svscan installs its TERM, INT and HUP handlers before it loads svscan itself (strace: syscall order, not time)', { skip: !haveTool('/usr/bin/strace', 'strace') }, async (t) => {
  const { dir, cleanup } = tempDir('svkit-early-');
  const scan = join(dir, 'service');
  makeService(scan, 'a', 'exec sleep 1000');
  const trace = join(dir, 'trace');
  const st = start('/usr/bin/strace', ['-f', '-o', trace, '-e', 'trace=rt_sigaction,openat,execve', ours('svscan'), scan], { env: ENV });
  t.after(async () => { await st.stop('SIGKILL'); cleanup(); });
  await waitFor(() => readFileSync(trace, 'utf8').includes('execve("./run"'), 20000, 'svscan running its service');
  const svscan = Number(/^(\d+) /.exec(readFileSync(trace, 'utf8'))![1]); // strace -f: each line starts with the pid
  process.kill(svscan, 'SIGTERM');
  await waitFor(() => st.child.exitCode !== null, 20000, 'svscan exits');
  const lines = readFileSync(trace, 'utf8').split('\n');
  const loads = lines.findIndex((l) => /openat\(.*packages\/supervise\/dist\/(bundle\/)?svscan\.js"/.test(l)); // the build or its bundle
  assert.ok(loads > 0, 'svscan.js was loaded');
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    // libuv's handler, the one that reaches JavaScript (Node's own early TERM/INT handler is SA_RESETHAND: it just re-raises)
    const installed = lines.findIndex((l) => l.includes(`rt_sigaction(${sig}, {sa_handler=0x`) && !l.includes('SA_RESETHAND'));
    assert.ok(installed > 0 && installed < loads, `${sig} caught (line ${installed}) before svscan.js is opened (line ${loads})`);
  }
});

test('as PID 1 (unshare): a SIGTERM at any moment after the first line of JavaScript makes svscan shut down and exit 0', {
  skip: !haveTool('/usr/bin/unshare', 'util-linux'),
}, async (t) => {
  const { dir, cleanup } = tempDir('svkit-early-');
  t.after(cleanup);
  const scan = join(dir, 'service');
  makeService(scan, 'a', 'exec sleep 1000');
  makeService(scan, 'b', 'exec sleep 1000', { 'log/run': '#!/bin/sh\nexec cat > /dev/null\n' });
  const windows: number[] = [];
  for (const delay of [0, 1, 2, 5, 10, 20, 30, 50, 70, 100]) {
    const t0 = performance.now();
    const sv = start('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', ours('svscan'), scan], { env: ENV });
    try {
      const pid = await waitFor(() => firstChild(sv.child.pid!), 10000, 'svscan started');
      // SIGHUP is caught only by JavaScript (Node's own start-up handler takes TERM and INT, and drops them as PID 1)
      await waitFor(() => (caught(pid) & HUP) !== 0n, 20000, 'svscan catching signals');
      windows.push(Math.round(performance.now() - t0));
      if (delay > 0) await sleep(delay);
      process.kill(pid, 'SIGTERM');
      await waitFor(() => sv.child.exitCode !== null, 30000, `svscan exits after SIGTERM ${delay} ms after its first line of JavaScript`);
      assert.equal(sv.child.exitCode, 0, `exit status after SIGTERM at +${delay} ms: ${sv.stderr()}`);
    } finally {
      await sv.stop('SIGKILL');
    }
  }
  // not asserted: how long Node itself takes before any JavaScript runs (a TERM then is lost; see README)
  t.diagnostic(`spawn to signals caught, per run (ms): ${windows.join(' ')}`);
});
