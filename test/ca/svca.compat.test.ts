/** svca over Debian's daemontools 0.76 supervise: PVs from the 18-byte status alone, control through the FIFO. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { haveDaemontools, ours, run, start, tempDir, theirs, waitFor } from '../helpers/proc.js';
import { makeService } from '../helpers/service-dir.js';
import { CaClient, freePort, havePyepics } from '../helpers/ca-client.js';

test('svca reads and controls a service under daemontools supervise', { skip: !haveDaemontools() || !havePyepics() }, async (t) => {
  const { dir, cleanup } = tempDir('svca-compat-');
  const scan = join(dir, 'service');
  mkdirSync(scan);
  const x = makeService(scan, 'x', 'exec sleep 1000');
  const sup = start(theirs('supervise'), [x]);
  t.after(async () => {
    await run(theirs('svc'), ['-dx', x]);
    await waitFor(() => sup.child.exitCode !== null || sup.child.signalCode !== null, 10000, 'supervise exit').catch(() => undefined);
    await sup.stop('SIGKILL');
    cleanup();
  });
  const svstat = async (): Promise<string> => (await run(theirs('svstat'), [x])).stdout;
  await waitFor(async () => (await svstat()).includes(': up (pid'), 20000, 'x up');
  const pid = Number(/\(pid (\d+)\)/.exec(await svstat())![1]);
  const port = await freePort();
  const svca = start(ours('svca'), ['--port', String(port), '-p', 'C', scan]);
  t.after(() => svca.stop());
  await waitFor(() => svca.stderr().includes('serving'), 20000, 'svca serving');
  const ca = new CaClient(port);
  t.after(() => ca.stop());
  const get = async (n: string, form = 'native'): Promise<Record<string, any>> => ca.ok({ op: 'get', name: `C:MAN:x_${n}`, form });
  assert.equal((await get('status', 'string')).value, 'up');
  assert.equal((await get('pid')).value, pid);
  assert.equal((await get('control', 'string')).value, 'Run');
  assert.equal((await get('ready', 'string')).value, 'yes');
  assert.equal((await get('restarts')).value, 0);
  assert.equal((await get('last_exit')).value, -1);
  await ca.ok({ op: 'put', name: 'C:MAN:x_control', value: 0, wait: true });
  await waitFor(async () => /: down \d+ seconds, normally up/.test(await svstat()), 10000, 'down by caput 0');
  await waitFor(async () => (await get('status', 'string')).value === 'down', 10000, 'status down');
  await ca.ok({ op: 'put', name: 'C:MAN:x_control', value: 'Reset', wait: true });
  await waitFor(async () => (await svstat()).includes(': up (pid'), 10000, 'up by Reset from down');
  const pid2 = Number(/\(pid (\d+)\)/.exec(await svstat())![1]);
  assert.notEqual(pid2, pid);
  await ca.ok({ op: 'put', name: 'C:MAN:x_control', value: 2, wait: true });
  await waitFor(async () => { const m = /\(pid (\d+)\)/.exec(await svstat()); return m && Number(m[1]) !== pid2; }, 10000, 'restarted by Reset');
  // supervise gone: the values are INVALID (COMM)
  await run(theirs('svc'), ['-dx', x]);
  await waitFor(async () => (await get('status', 'sts')).severity === 3, 20000, 'INVALID without supervise');
  assert.equal((await get('hb', 'sts')).status, 9);
  // a write now fails; libca shows the server's ERROR text (as caput does)
  await ca.ok({ op: 'put', name: 'C:MAN:x_control', value: 'Run', string: true });
  await waitFor(() => ca.stderr.includes('unable to control x: supervise not running'), 20000, `the ERROR text on the client (stderr: ${ca.stderr.slice(-300)})`);
});
