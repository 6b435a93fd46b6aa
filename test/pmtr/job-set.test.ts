/** pmtr's jobs as service directories (svstat, svc, svok), and hot reload. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, ours, run, start, waitFor } from '../helpers/proc.js';
import { procNice, startPmtr } from '../helpers/pmtr.js';

const job = (name: string, extra = '', cmd = '/bin/sleep 1000'): string => `job {\n  name ${name}\n  cmd ${cmd}\n${extra}}\n`;

test('jobs are service directories: svstat, svstat --json, svc -d (a temporary disable), svc -u, svok', async (t) => {
  const r = startPmtr(t, job('web') + job('idle', '  disable\n'));
  const pid = await r.pid('web');
  const web = join(r.state, 'web');
  const st = await run(ours('svstat'), [web, join(r.state, 'idle')]);
  assert.match(st.stdout, new RegExp(`^${web}: up \\(pid ${pid}\\) \\d+ seconds$`, 'm'));
  assert.match(st.stdout, /idle: down \d+ seconds$/m);
  const js = JSON.parse((await run(ours('svstat'), ['--json', web])).stdout);
  assert.equal((Array.isArray(js) ? js[0] : js).pid, pid);
  assert.equal((await run(ours('svok'), [web])).code, 0);
  assert.equal((await run(ours('svc'), ['-d', web])).code, 0);
  await waitFor(() => !alive(pid), 10000, 'web stopped');
  await r.waitLog(new RegExp(`job web \\[${pid}\\] exited after \\d+ sec: signal 15`));
  assert.equal(r.pidNow('web'), 0);
  assert.equal((await run(ours('svc'), ['-u', web])).code, 0);
  const again = await r.pid('web', 20000);
  assert.notEqual(again, pid);
  assert.equal((await run(ours('svc'), ['-u', join(r.state, 'idle')])).code, 0);
  await r.pid('idle', 20000);
});

test('reload on save: new jobs start, removed stop, changed restart (nice and depends included), unchanged keep their pid; a bad config changes nothing', async (t) => {
  const dep = (dir: string): string => join(dir, 'dep.txt');
  const conf1 = job('keep') + job('change', '  nice 1\n') + job('gone') + job('deps', '  depends {\n    dep.txt\n  }\n  dir @DIR@\n');
  const r = startPmtr(t, conf1, { before: (dir) => writeFileSync(dep(dir), 'one') });
  const keep = await r.pid('keep');
  const change = await r.pid('change');
  const gone = await r.pid('gone');
  const deps = await r.pid('deps');
  assert.equal(procNice(change), 1);
  // in place: add, remove, change nice
  r.write(job('keep') + job('change', '  nice 3\n') + job('deps', '  depends {\n    dep.txt\n  }\n  dir @DIR@\n') + job('added'));
  await r.pid('added');
  await waitFor(() => !alive(gone), 10000, 'removed job stopped');
  await waitFor(() => !existsSync(join(r.state, 'gone')), 10000, 'its directory removed');
  await r.waitLog(new RegExp(`sending SIGTERM to job gone\\(deleted\\) \\[${gone}\\]`));
  await r.waitLog(new RegExp(`sending SIGTERM to job change \\[${change}\\]`));
  // a config with errors: logged with file and line, nothing changes
  r.write(`${job('keep')}job {\n  name broken\n  nice 99\n}\n`);
  await r.waitLog(/pmtr: warning: .*pmtr\.conf line 7: nice out of range -20 to 19/);
  await r.waitLog(/FAILED to parse .*: using the previous job config/);
  assert.ok(r.pidNow('added') > 0 && r.pidNow('deps') === deps && r.pidNow('keep') === keep);
  // an editor's save (write and rename), with the dependency's content changed
  writeFileSync(dep(r.dir), 'two');
  r.rename(job('keep') + job('change', '  nice 3\n') + job('deps', '  depends {\n    dep.txt\n  }\n  dir @DIR@\n') + job('added') + job('renamed'));
  await r.pid('renamed');
  // the changed jobs lived < 10 s: they come back 10 s after their exit, with the new definition
  const change2 = await waitFor(() => { const p = r.pidNow('change'); return p !== change && p; }, 30000, 'change restarted');
  assert.equal(procNice(change2), 3);
  await waitFor(() => { const p = r.pidNow('deps'); return p !== deps && p; }, 30000, 'deps restarted');
  assert.equal(r.pidNow('keep'), keep, 'an unchanged job keeps its process');
  // SIGHUP reloads too; a comment-only change is no change
  r.write(`# only a comment\n${job('keep')}`);
  r.proc.child.kill('SIGHUP');
  await waitFor(() => r.pidNow('added') === 0 && r.pidNow('renamed') === 0, 20000, 'jobs removed');
  assert.equal(r.pidNow('keep'), keep);
  // SIGHUP with no change at all: a rescan, nothing else
  const rescans = (): number => r.proc.stderr().split('rescanning job configuration').length;
  const n = rescans();
  r.proc.child.kill('SIGHUP');
  await waitFor(() => rescans() > n, 10000, 'a rescan after SIGHUP');
  assert.equal(r.pidNow('keep'), keep);
});

test('-v -v: the tokens of the file on stdout at each parse, reloads included', async (t) => {
  const r = startPmtr(t, job('first'), { args: ['-v', '-v'] });
  await r.pid('first');
  assert.match(r.proc.stdout(), /^token \[job\] id=6 line=1\ntoken \[\{\] id=7 line=1\ntoken \[name\] id=9 line=2\ntoken \[first\] id=3 line=2\n/);
  r.write(job('second'));
  await waitFor(() => r.proc.stdout().includes('token [second] id=3 line=2\n'), 15000, `the reload's tokens; stdout:\n${r.proc.stdout()}`);
});

test('log DIR: the job\'s output goes to a multilog directory (tai64n stamps) through a pipe that outlives job restarts; the logger is STATE/NAME/log', async (t) => {
  const r = startPmtr(t, `job {\n  name chatty\n  cmd /bin/sh -c "echo line one; echo to stderr >&2; exec /bin/sleep 1000"\n  log @DIR@/logs\n}\n`);
  const pid = await r.pid('chatty');
  const current = join(r.dir, 'logs', 'current');
  await waitFor(() => existsSync(current) && /to stderr/.test(readFileSync(current, 'utf8')), 15000, 'lines in logs/current');
  assert.match(readFileSync(current, 'utf8'), /^@[0-9a-f]{24} line one\n@[0-9a-f]{24} to stderr\n$/);
  const st = await run(ours('svstat'), [join(r.state, 'chatty', 'log')]);
  assert.match(st.stdout, /log: up \(pid \d+\)/);
  assert.doesNotMatch(r.proc.stderr(), /line one/);
  // a restart of the job writes into the same logger
  assert.equal((await run(ours('svc'), ['-t', join(r.state, 'chatty')])).code, 0);
  await waitFor(() => readFileSync(current, 'utf8').split('line one').length === 3, 30000, 'a second run logged');
  assert.notEqual(r.pidNow('chatty'), pid);
  r.proc.child.kill('SIGTERM');
  const code = await new Promise<number | null>((res) => r.proc.child.once('exit', (c) => res(c)));
  assert.equal(code, 0);
});

test('a deleted config changes nothing and is picked up again when re-created; a missing dependency keeps its job down until the file appears', async (t) => {
  const r = startPmtr(t, job('first') + job('needy', '  dir @DIR@\n  depends {\n    later.txt\n  }\n'));
  const first = await r.pid('first');
  await r.waitLog(/job needy: can't open dependency later\.txt: file does not exist/);
  assert.ok(existsSync(join(r.state, 'needy', 'down')), 'the job waits, down');
  writeFileSync(join(r.dir, 'later.txt'), 'here');
  await r.pid('needy');
  rmSync(r.conf);
  await r.waitLog(/unable to read .*pmtr\.conf: file does not exist: using the previous job config/);
  assert.equal(r.pidNow('first'), first);
  r.write(job('second'));
  await r.pid('second');
  await waitFor(() => !alive(first), 10000, 'first stopped');
});

test('a pmtr killed with SIGKILL leaves its jobs running; the next pmtr on the same state dir takes them over (same pid)', async (t) => {
  const r = startPmtr(t, job('survivor'));
  const pid = await r.pid('survivor');
  r.proc.child.kill('SIGKILL');
  await new Promise((res) => (r.proc.child.exitCode !== null || r.proc.child.signalCode !== null ? res(null) : r.proc.child.once('exit', res)));
  assert.equal(alive(pid), true);
  const again = start(ours('pmtr'), ['-F', '-c', r.conf, '--state-dir', r.state, '--syslog', join(r.dir, 'none')], { cwd: r.dir });
  t.after(() => again.stop());
  await waitFor(() => again.stderr().includes(`started job survivor [${pid}]`), 15000, `the job adopted: ${again.stderr()}`);
  assert.equal(r.pidNow('survivor'), pid);
  again.child.kill('SIGTERM');
  await waitFor(() => !alive(pid), 15000, 'the adopted job stopped at shutdown');
});
