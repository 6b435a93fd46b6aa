/** pmtr's logs through a syslog socket: job lines as daemon.info tagged NAME[PID], pmtr's own as local0. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { haveTool, start, tempDir, waitFor } from '../helpers/proc.js';
import { startPmtr } from '../helpers/pmtr.js';

test('job output goes to the syslog socket with the job\'s name and pid, control characters as ?; pmtr\'s own lines as local0', async (t) => {
  if (!haveTool('/usr/bin/socat', 'socat')) return;
  const { dir, cleanup } = tempDir('svkit-pmtr-log-');
  const sock = join(dir, 'log.sock');
  const recv = start('/usr/bin/socat', ['-u', `UNIX-RECV:${sock}`, 'STDOUT']);
  t.after(async () => {
    await recv.stop();
    cleanup();
  });
  await waitFor(() => existsSync(sock), 10000, 'the syslog socket');
  const r = startPmtr(t, `job {\n  name talk\n  cmd /bin/sh -c "echo hello syslog; printf 'bell\\007x\\n'; exec /bin/sleep 1000"\n}\n`, { syslog: sock });
  const pid = await r.pid('talk');
  await waitFor(() => recv.stdout().includes(`talk[${pid}]: bell?x`), 15000, `the job's lines in syslog: ${recv.stdout()}`);
  assert.match(recv.stdout(), new RegExp(`<30>\\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d talk\\[${pid}\\]: hello syslog`));
  assert.match(recv.stdout(), new RegExp(`<134>\\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d pmtr\\[${r.proc.child.pid}\\]: started job talk \\[${pid}\\]`));
  assert.doesNotMatch(r.proc.stderr(), /hello syslog/);
  assert.match(r.proc.stderr(), /pmtr: started job talk/, 'pmtr\'s own lines are on stderr too');
});
