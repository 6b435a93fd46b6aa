import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { haveTool, run, start, waitFor } from '../helpers/proc.js';
import { makeService } from '../helpers/service-dir.js';
import { getJson, LOG_RUN, scanDir, startWeb } from '../helpers/web.js';

const SUPERVISORCTL = '/usr/bin/supervisorctl';
/** Writes a numbered line every 50 ms; HUP makes it say so (the trap runs between sleeps). */
const TALKER = 'exec 2>&1\ntrap \'echo "got HUP"\' HUP\ni=0\nwhile :; do i=$((i+1)); echo "talker line $i"; sleep 0.05; done';

test('the real supervisorctl drives svweb: status, start, stop, restart, signal, tail, tail -f, pid, version, avail, start/stop all', { skip: !haveTool(SUPERVISORCTL, 'supervisor') }, async (t) => {
  const { scan, root } = scanDir(t, (s) => {
    makeService(s, 'talker', TALKER, { 'log/run': LOG_RUN });
    makeService(s, 'idle', 'exec sleep 1000', { down: '' });
    // ANSI colours (IOC consoles print them) break supervisord's own `tail` (XML 1.0 forbids ESC)
    makeService(s, 'ansi', 'exec 2>&1\nprintf \'\\033[31mred alert\\033[0m\\n\'\nexec sleep 1000', { 'log/run': LOG_RUN });
  });
  // a config file of our own: supervisorctl would otherwise read /etc/supervisor/supervisord.conf if present
  const conf = join(root, 'ctl.conf');
  writeFileSync(conf, '[supervisorctl]\n');
  const web = await startWeb(t, ['-u', 'admin', '--password', 'secret', scan]);
  const ctl = (...args: string[]): ReturnType<typeof run> => run(SUPERVISORCTL, ['-c', conf, '-s', web.url, '-u', 'admin', '-p', 'secret', ...args], { timeoutMs: 60000 });
  const auth = { authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` };
  const view = (n: string): Promise<any> => getJson(`${web.url}/api/services/${n}`, auth);
  // RUNNING once up for startsecs (1 s), as supervisord
  await waitFor(async () => { const v = await view('talker'); return v.up && Date.now() / 1000 - v.since > 1.5; }, 20000, 'talker up for startsecs');

  // no credentials: as supervisord with [inet_http_server] username/password
  const anon = await run(SUPERVISORCTL, ['-c', conf, '-s', web.url, 'status'], { timeoutMs: 60000 });
  assert.equal(anon.code, 1);
  assert.match(anon.stdout + anon.stderr, /Server requires authentication/);

  let r = await ctl('status');
  assert.equal(r.code, 3, r.stdout + r.stderr); // one service stopped
  const pid = (await view('talker')).pid;
  assert.match(r.stdout, /^idle {29}STOPPED   Not started$/m);
  assert.match(r.stdout, new RegExp(`^talker {27}RUNNING   pid ${pid}, uptime \\d+:\\d\\d:\\d\\d$`, 'm'));

  r = await ctl('start', 'idle');
  assert.deepEqual([r.code, r.stdout], [0, 'idle: started\n']);
  assert.ok((await view('idle')).up, 'up when start returns (wait=True)');
  r = await ctl('start', 'idle');
  assert.deepEqual([r.code, r.stdout], [0, 'idle: ERROR (already started)\n']);
  r = await ctl('status', 'idle');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^idle +RUNNING +pid \d+/);

  r = await ctl('stop', 'idle');
  assert.deepEqual([r.code, r.stdout], [0, 'idle: stopped\n']);
  assert.equal((await view('idle')).up, false, 'down when stop returns');
  r = await ctl('stop', 'idle');
  assert.deepEqual([r.code, r.stdout], [0, 'idle: ERROR (not running)\n']);

  r = await ctl('restart', 'talker');
  assert.deepEqual([r.code, r.stdout], [0, 'talker: stopped\ntalker: started\n']);
  const pid2 = (await view('talker')).pid;
  assert.ok(pid2 > 0 && pid2 !== pid, 'a new process');

  r = await ctl('status', 'nosuch');
  assert.deepEqual([r.code, r.stdout], [4, 'nosuch: ERROR (no such process)\n']);

  r = await ctl('signal', 'HUP', 'talker');
  assert.deepEqual([r.code, r.stdout], [0, 'talker: signalled\n']);
  r = await ctl('signal', 'FOO', 'talker');
  assert.deepEqual([r.code, r.stdout], [1, 'talker: ERROR (bad signal name)\n']);
  r = await ctl('signal', 'HUP', 'idle');
  assert.deepEqual([r.code, r.stdout], [7, 'idle: ERROR (not running)\n']);

  // tail: the last 1600 bytes, times as tai64nlocal shows them
  // the last 100 kB (50 s of this log): the default 1600 bytes scroll past in 2 s, as long as two supervisorctl runs on a loaded machine
  await waitFor(async () => /got HUP/.test((await ctl('tail', '-100000', 'talker')).stdout), 20000, 'HUP reached the service and its log');
  r = await ctl('tail', '-200', 'talker');
  assert.equal(r.code, 0);
  assert.ok(r.stdout.length < 260, 'about 200 bytes of the file (each time label grows from 25 to 29 characters)');
  assert.match(r.stdout, /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9} talker line \d+\n/);
  r = await waitFor(async () => { const x = await ctl('tail', 'ansi'); return /red alert/.test(x.stdout) ? x : null; }, 20000, 'tail of a log with ANSI escapes');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /\ufffd\[31mred alert\ufffd\[0m/);
  r = await ctl('tail', 'idle');
  assert.match(r.stdout, /idle: ERROR \(no log file\)/);

  // tail -f: streams what the service writes from now on
  const follow = start(SUPERVISORCTL, ['-c', conf, '-s', web.url, '-u', 'admin', '-p', 'secret', 'tail', '-f', 'talker']);
  t.after(() => follow.stop('SIGKILL'));
  const seen = await waitFor(() => /talker line (\d+)\n/.exec(follow.stdout()), 20000, 'tail -f output');
  const n = Number(seen[1]);
  await waitFor(() => new RegExp(`talker line ${n + 20}\\n`).test(follow.stdout()), 20000, 'lines written later arrive');
  await follow.stop('SIGKILL');

  r = await ctl('pid', 'talker');
  assert.deepEqual([r.code, r.stdout.trim()], [0, String((await view('talker')).pid)]);
  r = await ctl('pid');
  assert.match(r.stdout, /^\d+\n$/);
  r = await ctl('version');
  assert.equal(r.stdout, 'svkit-svweb 0.1.0\n');
  r = await ctl('avail');
  assert.match(r.stdout, /^idle +in use +manual +999:999$/m);
  assert.match(r.stdout, /^talker +in use +auto +999:999$/m);

  // svscan picks up directories itself: nothing for reread/update to do
  r = await ctl('reread');
  assert.deepEqual([r.code, r.stdout], [0, 'No config updates to processes\n']);
  r = await ctl('update');
  assert.deepEqual([r.code, r.stdout], [0, '']);

  r = await ctl('stop', 'all');
  assert.deepEqual([r.code, r.stdout], [0, 'ansi: stopped\ntalker: stopped\n']);
  assert.equal((await view('talker')).up, false);
  r = await ctl('start', 'all');
  assert.equal(r.code, 0);
  assert.deepEqual(r.stdout.split('\n').sort(), ['', 'ansi: started', 'idle: started', 'talker: started']);
  assert.ok((await view('talker')).up && (await view('idle')).up);
  r = await ctl('status');
  assert.equal(r.code, 0, 'everything running');

  // a read-only svweb: status works, control is refused with codes supervisorctl knows
  const ro = await startWeb(t, ['--read-only', scan]);
  const roCtl = (...args: string[]): ReturnType<typeof run> => run(SUPERVISORCTL, ['-c', conf, '-s', ro.url, ...args], { timeoutMs: 60000 });
  r = await roCtl('status');
  assert.equal(r.code, 0);
  r = await roCtl('stop', 'talker');
  assert.match(r.stdout, /^FAILED: read-only/);
  r = await roCtl('start', 'talker');
  assert.equal(r.stdout, 'talker: ERROR (spawn error)\n'); // the read-only refusal comes first
  assert.ok((await view('talker')).up, 'still running');
});
