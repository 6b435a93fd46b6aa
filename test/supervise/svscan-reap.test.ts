/**
 * svscan's spawn and reap path at scale: one waitpid(-1) reaper, so an exit costs the same few
 * wait4 calls however many services run (libuv's child_process called waitpid on every live child
 * at each SIGCHLD: 41 calls per exit here). Counted with strace, not timed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { haveTool, ours, start, tempDir, waitFor } from '../helpers/proc.js';
import { fileLines, makeService } from '../helpers/service-dir.js';

const ENV = { ...process.env, PATH: `${join(ours('svscan'), '..')}:${process.env.PATH}` };
const SLEEPERS = 40;

test(`wait4 calls per exit stay about 2 with ${SLEEPERS} other services running (strace on svscan's main thread)`, { skip: !haveTool('/usr/bin/strace', 'strace') }, async (t) => {
  const { dir, cleanup } = tempDir('svkit-reap-');
  const scan = join(dir, 'service');
  for (let i = 0; i < SLEEPERS; i++) makeService(scan, `sleep${i}`, 'exec sleep 1000');
  const crash = makeService(scan, 'crash', 'echo x >> starts; exit 1');
  const trace = join(dir, 'trace');
  // without -f strace follows svscan's main thread only: where JavaScript (and so the reaper) runs
  const sv = start('/usr/bin/strace', ['-o', trace, '-e', 'trace=wait4', ours('svscan'), scan], { env: ENV });
  // svscan itself gets the TERM (strace would only detach and leave it running), then strace exits with it
  const svscanPid = (): number => Number(readFileSync(`/proc/${sv.child.pid}/task/${sv.child.pid}/children`, 'utf8').trim().split(' ')[0]);
  t.after(async () => {
    try { process.kill(svscanPid(), 'SIGTERM'); } catch { /* gone */ }
    await waitFor(() => sv.child.exitCode !== null || sv.child.signalCode !== null, 30000, 'svscan and strace exit').catch(() => {});
    await sv.stop('SIGKILL');
    cleanup();
  });
  await waitFor(() => fileLines(join(crash, 'starts')).length >= 2, 30000, 'the crash-looping service restarted');
  const wait4 = (): number => readFileSync(trace, 'utf8').split('\n').filter((l) => l.startsWith('wait4(')).length;
  const c0 = wait4();
  const s0 = fileLines(join(crash, 'starts')).length;
  await waitFor(() => fileLines(join(crash, 'starts')).length >= s0 + 5, 60000, '5 more exits');
  const exits = fileLines(join(crash, 'starts')).length - s0;
  const perExit = (wait4() - c0) / exits;
  t.diagnostic(`wait4 calls per exit: ${perExit.toFixed(2)} (${exits} exits)`);
  assert.ok(perExit <= 4, `wait4 calls per exit ${perExit} with ${SLEEPERS} services running (libuv: one per live child)`);
});
