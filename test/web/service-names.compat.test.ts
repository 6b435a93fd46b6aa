import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { haveDaemontools, start, theirs, waitFor } from '../helpers/proc.js';
import { makeService } from '../helpers/service-dir.js';
import { control, getJson, scanDir, startWeb } from '../helpers/web.js';

test('svweb over two scan directories (svscan\'s and one like pmtr\'s), one service under Debian\'s daemontools supervise', { skip: !haveDaemontools() }, async (t) => {
  const { scan, root } = scanDir(t, (s) => {
    makeService(s, 'ours', 'exec sleep 1000');
    makeService(s, 'dup', 'exec sleep 1001');
  });
  // a second directory whose service runs under the real supervise (no state.json)
  const other = join(root, 'other');
  const job = makeService(other, 'job', 'exec sleep 1002');
  makeService(other, 'dup', 'exec sleep 1003');
  const sup = start(theirs('supervise'), [job]);
  let jobPid = 0;
  t.after(async () => {
    // whatever order the cleanups run in: the supervisor and its child go
    await sup.stop('SIGKILL');
    if (jobPid) try { process.kill(jobPid, 'SIGKILL'); } catch { /* gone */ }
  });
  const web = await startWeb(t, [scan, other]);
  const list = await waitFor(async () => {
    const j = await getJson(`${web.url}/api/services`);
    return j.services.length === 3 && j.services.every((s: any) => s.up) ? j.services : null;
  }, 20000, 'three services up');
  assert.deepEqual(list.map((s: any) => s.name), ['dup', 'job', 'ours']);
  const jobView = list[1];
  jobPid = jobView.pid;
  assert.equal(jobView.restarts, null, 'no state.json under daemontools');
  assert.equal(jobView.state, 'up');
  // `dup` is the first directory's
  const cmd = (pid: number): string => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  assert.match(cmd(list[0].pid), /sleep 1001/);
  // control reaches the daemontools supervise through its FIFO
  const r = await control(web.url, 'job', { action: 'down' });
  assert.equal(r.status, 200);
  await waitFor(async () => (await getJson(`${web.url}/api/services/job`)).state === 'down', 20000, 'job down under daemontools');
});
