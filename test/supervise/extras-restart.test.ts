/** The crash-loop policy: restart at once after a long run, exponential backoff, give-up after N quick deaths. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ours, run, sleep, tempDir, waitFor } from '../helpers/proc.js';
import { extraState, fileLines, makeService, rawStatus, superviseDir } from '../helpers/service-dir.js';

const svc = (...args: string[]) => run(ours('svc'), args);

test('a long run restarts at once, even with a 60 s restart-delay; a quick death waits for it', async (t) => {
  const { dir: root, cleanup } = tempDir();
  // runs until ./die appears (a "long" run, > quick-death 2 s), then exits; a quick run takes far less than 2 s even on a loaded machine
  const dir = makeService(root, 's', 'echo x >> starts; if [ -e quick ]; then exit 1; fi; while [ ! -e die ]; do sleep 0.05; done; rm -f die; exit 1', {
    'restart-delay': '60000\n',
    'quick-death': '2000\n',
  });
  superviseDir(t, dir, cleanup);
  await waitFor(() => fileLines(join(dir, 'starts')).length === 1, 10000, 'first start');
  await sleep(2500); // longer than quick-death
  writeFileSync(join(dir, 'die'), '');
  await waitFor(() => fileLines(join(dir, 'starts')).length === 2, 20000, 'restarted well before the 60 s delay');
  assert.equal(extraState(dir).quickDeaths, 0);
  assert.equal(extraState(dir).restarts, 1);
  // now a quick death: the 60 s delay applies (counted from the previous start)
  await sleep(2500); // the second run is a long one too
  writeFileSync(join(dir, 'quick'), '');
  writeFileSync(join(dir, 'die'), '');
  await waitFor(() => fileLines(join(dir, 'starts')).length === 3, 10000, 'the quick run');
  const s = await waitFor(() => { const x = extraState(dir); return x.state === 'starting' && x.quickDeaths === 1 && x; }, 10000, 'planned start');
  assert.ok(s.nextStart - s.lastExit.at > 50000, `next start ${s.nextStart - s.lastExit.at} ms after the exit`);
  await sleep(1000);
  assert.equal(fileLines(join(dir, 'starts')).length, 3, 'not restarted yet');
  assert.equal(rawStatus(dir).pid, 0);
  assert.match((await run(ours('svstat'), [dir])).stdout, /: down \d+ seconds, normally up, want up\n$/, 'no backoff words without restart-factor');
  // svc -u forgives the quick death, but not the throttle: still planned 60 s after the last start
  await svc('-u', dir);
  await sleep(300);
  assert.equal(fileLines(join(dir, 'starts')).length, 3);
  assert.equal(extraState(dir).quickDeaths, 0);
  // svc -d cancels the planned start
  await svc('-d', dir);
  await waitFor(() => extraState(dir).state === 'down' && extraState(dir).nextStart === null, 5000, 'start cancelled');
});

test('exponential backoff: delays grow by restart-factor up to restart-max-delay; svstat and json show it', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const dir = makeService(root, 's', 'date +%s%N >> starts; exit 7', {
    'restart-delay': '100\n',
    'restart-factor': '3\n',
    'restart-max-delay': '2000\n',
    'quick-death': '10000\n',
  });
  superviseDir(t, dir, cleanup);
  const seen = new Map<number, number>(); // quick deaths -> planned delay after the exit
  await waitFor(() => {
    const x = extraState(dir);
    if (x.state === 'starting' && x.nextStart !== null && !seen.has(x.quickDeaths)) seen.set(x.quickDeaths, x.nextStart - x.lastExit.at);
    return seen.has(5);
  }, 30000, 'five quick deaths');
  const gaps = [2, 3, 4, 5].map((n) => seen.get(n)!);
  // n-th quick death: min(2000, 100 * 3^(n-1)) after the exit: 300, 900, 2000 (cap), 2000
  assert.ok(gaps[0]! >= 300 && gaps[1]! >= 900 && gaps[2]! >= 2000 && gaps[3]! >= 2000, `gaps ${gaps}`);
  assert.ok(gaps[0]! < gaps[1]! && gaps[1]! < gaps[2]!, `growing: ${gaps}`);
  assert.ok(gaps[2]! < 2500 && gaps[3]! < 2500, `capped: ${gaps}`);
  // while in backoff: 0.76 words plus ", backoff N seconds"; json has nextStart
  const x = await waitFor(() => { const s = extraState(dir); return s.state === 'starting' && s.backoff && s; }, 10000, 'in backoff');
  const line = (await run(ours('svstat'), [dir])).stdout;
  assert.match(line, /: down \d+ seconds, normally up, want up, backoff [0-3] seconds\n$/);
  const [j] = JSON.parse((await run(ours('svstat'), ['--json', dir])).stdout);
  assert.equal(j.state, 'starting');
  assert.equal(j.backoff, true);
  assert.equal(typeof j.nextStart, 'number');
  assert.ok(j.nextStart >= x.lastExit.at / 1000);
  assert.deepEqual(j.lastExit.code, 7);
  assert.ok(j.restarts >= 5);
  // svc -u drops the backoff: started again before the planned time (restart-delay after the last start)
  const planned = await waitFor(() => { const s = extraState(dir); return s.state === 'starting' && s.backoff && s.nextStart - Date.now() > 1000 && s.nextStart; }, 15000, 'a long backoff ahead');
  const before = fileLines(join(dir, 'starts')).length;
  await svc('-u', dir);
  await waitFor(() => fileLines(join(dir, 'starts')).length > before, 10000, 'started again');
  const startedMs = Number(BigInt(fileLines(join(dir, 'starts'))[before]!) / 1000000n);
  assert.ok(startedMs < planned, `started ${planned - startedMs} ms before the backoff was over`);
});

test('give-up: after max-quick-deaths quick deaths it stays down; svstat, json and svc -wu say so; svc -u retries', async (t) => {
  const { dir: root, cleanup } = tempDir();
  const dir = makeService(root, 's', 'echo x >> starts; exit 2', {
    'restart-delay': '50\n',
    'quick-death': '30000\n', // every run counts as quick, however slow a loaded machine starts sh
    'max-quick-deaths': '3\n',
  });
  const sv = superviseDir(t, dir, cleanup);
  await waitFor(() => extraState(dir).gaveUp === true, 10000, 'give up');
  assert.equal(fileLines(join(dir, 'starts')).length, 3);
  assert.match(sv.stderr(), /gave up after 3 quick deaths in a row \(svc -u to retry\)/);
  assert.equal(rawStatus(dir).pid, 0);
  assert.equal(rawStatus(dir).want, 'u'.charCodeAt(0), 'the 18-byte status still says want up');
  assert.match((await run(ours('svstat'), [dir])).stdout, /: down \d+ seconds, normally up, want up, gave up after 3 quick deaths\n$/);
  const [j] = JSON.parse((await run(ours('svstat'), ['--json', dir])).stdout);
  assert.equal(j.gaveUp, true);
  assert.equal(j.quickDeaths, 3);
  assert.equal(j.state, 'down');
  await sleep(500);
  assert.equal(fileLines(join(dir, 'starts')).length, 3, 'no more starts');
  const r = await svc('-wu', '-T', '10000', dir);
  assert.equal(r.code, 111);
  assert.equal(r.stderr, `svc: warning: unable to wait for ${dir}: gave up after 3 quick deaths\n`);
  await svc('-u', dir);
  await waitFor(() => extraState(dir).gaveUp === true && fileLines(join(dir, 'starts')).length === 6, 10000, 'retried 3 more times');
  rmSync(join(dir, 'max-quick-deaths'));
  writeFileSync(join(dir, 'run'), '#!/bin/sh\nexec sleep 100000\n');
  const w = await svc('-u', '-wu', '-T', '10000', dir);
  assert.equal(w.code, 0, w.stderr);
  assert.match((await run(ours('svstat'), [dir])).stdout, /: up \(pid \d+\) \d+ seconds\n$/);
});
