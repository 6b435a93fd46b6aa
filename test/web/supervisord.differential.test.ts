/**
 * The same supervisorctl commands (and XML-RPC calls) against svweb and against a real supervisord
 * 4.2.5 running the same programs: the same output and exit code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, haveTool, run, start, tempDir, waitFor, type RunResult } from '../helpers/proc.js';
import { makeService } from '../helpers/service-dir.js';
import { getJson, scanDir, startWeb } from '../helpers/web.js';
import { pyMulticall, startSupervisord, SUPERVISORCTL, SUPERVISORD } from './real-supervisord.js';

const skip = !haveTool(SUPERVISORD, 'supervisor');

type T = { after(fn: () => Promise<void> | void): void };

/** The same programs under svscan + svweb and under supervisord (all down at first); two `ctl`s. */
async function both(t: T, programs: Record<string, string>): Promise<{ ours(...a: string[]): Promise<RunResult>; theirs(...a: string[]): Promise<RunResult>; oursUrl: string; theirsUrl: string }> {
  const { scan, root } = scanDir(t, (s) => {
    for (const [name, script] of Object.entries(programs)) makeService(s, name, script, { down: '' });
  });
  const conf = join(root, 'ctl.conf');
  writeFileSync(conf, '[supervisorctl]\n');
  const web = await startWeb(t, [scan]);
  const { dir, cleanup } = tempDir('supervisord-');
  t.after(cleanup);
  const real = await startSupervisord(t, dir, programs);
  return {
    ours: (...a) => run(SUPERVISORCTL, ['-c', conf, '-s', web.url, ...a], { timeoutMs: 120000 }),
    theirs: real.ctl,
    oursUrl: web.url,
    theirsUrl: real.url,
  };
}

test('system.multicall answers as supervisord: bare values, faults as structs', { skip }, async (t) => {
  const s = await both(t, { idle: 'exec sleep 1000' });
  const calls = [
    { methodName: 'supervisor.getAPIVersion', params: [] },
    { methodName: 'supervisor.getState', params: [] },
    { methodName: 'supervisor.getProcessInfo', params: ['nosuch'] },
    { methodName: 'supervisor.stopProcess', params: ['idle'] },
    { methodName: 'no.such', params: [] },
    { params: [] },
    { methodName: 'system.multicall', params: [[]] },
  ];
  const theirs = await pyMulticall(s.theirsUrl, calls);
  assert.equal(theirs, "['3.0', {'statecode': 1, 'statename': 'RUNNING'}, {'faultCode': 10, 'faultString': 'BAD_NAME: nosuch'}, {'faultCode': 70, 'faultString': 'NOT_RUNNING: idle'}, {'faultCode': 1, 'faultString': 'UNKNOWN_METHOD'}, {'faultCode': 2, 'faultString': 'INCORRECT_PARAMETERS: No methodName'}, {'faultCode': 2, 'faultString': 'INCORRECT_PARAMETERS: Recursive system.multicall forbidden'}]\n");
  assert.equal(await pyMulticall(s.oursUrl, calls), theirs);
});

/** `status` output with the stop time (`Dec 06 01:12 AM`) and pids/uptimes replaced: they differ between the two by nature. */
const statusShape = (s: string): string => s.replace(/\w{3} \d\d \d\d:\d\d [AP]M/g, 'TIME').replace(/pid \d+, uptime \d+:\d\d:\d\d/g, 'pid PID, uptime UP');

test('a stop of a program that ignores TERM is a SIGKILL after stopwaitsecs (10 s) and says stopped, as supervisord: stop, stop all, restart', { skip }, async (t) => {
  // TERM ignored across the exec: only SIGKILL ends it
  const s = await both(t, { stubborn: 'trap "" TERM\nexec sleep 1000' });
  const same = async (...args: string[]): Promise<RunResult> => {
    const [a, b] = await Promise.all([s.ours(...args), s.theirs(...args)]);
    assert.deepEqual([a.code, statusShape(a.stdout), a.stderr], [b.code, statusShape(b.stdout), b.stderr], `supervisorctl ${args.join(' ')}: svweb (actual) and supervisord (expected)`);
    return { ...a, stdout: statusShape(a.stdout) };
  };
  assert.equal((await same('start', 'stubborn')).stdout, 'stubborn: started\n');
  assert.equal((await same('stop', 'stubborn')).stdout, 'stubborn: stopped\n');
  assert.match((await same('status')).stdout, /^stubborn +STOPPED +TIME\n$/);
  await same('start', 'stubborn');
  assert.equal((await same('restart', 'stubborn')).stdout, 'stubborn: stopped\nstubborn: started\n');
  assert.equal((await same('stop', 'all')).stdout, 'stubborn: stopped\n');
  await same('status');
});

test('start semantics as supervisord: a program that dies within startsecs is a spawn error (rc 7), BACKOFF, then FATAL "Exited too quickly"; start all and restart the same', { skip }, async (t) => {
  // dies well within startsecs (1 s) even on a loaded machine; the program slept 0.5 s
  const s = await both(t, { crash: 'sleep 0.2\nexit 1', good: 'exec sleep 1000' });
  const same = async (...args: string[]): Promise<RunResult> => {
    const [a, b] = await Promise.all([s.ours(...args), s.theirs(...args)]);
    assert.deepEqual([a.code, statusShape(a.stdout), a.stderr], [b.code, statusShape(b.stdout), b.stderr], `supervisorctl ${args.join(' ')}: svweb (actual) and supervisord (expected)`);
    return { ...a, stdout: statusShape(a.stdout) };
  };
  /** Both gave up retrying `crash` (supervisord: 3 retries with 1, 2, 3 s of backoff). */
  const bothFatal = async (): Promise<void> => {
    for (const ctl of [s.ours, s.theirs]) await waitFor(async () => /^crash +FATAL/.test((await ctl('status', 'crash')).stdout), 60000, 'crash FATAL');
  };
  let r = await same('start', 'crash');
  assert.deepEqual([r.code, r.stdout], [7, 'crash: ERROR (spawn error)\n']);
  await bothFatal();
  r = await same('status');
  assert.deepEqual([r.code, r.stdout], [3, 'crash                            FATAL     Exited too quickly (process log may have details)\ngood                             STOPPED   Not started\n']);
  r = await same('start', 'crash');
  assert.deepEqual([r.code, r.stdout], [7, 'crash: ERROR (spawn error)\n']);
  await bothFatal();
  r = await same('start', 'all');
  assert.deepEqual([r.code, r.stdout], [7, 'crash: ERROR (spawn error)\ngood: started\n']);
  assert.match((await same('status', 'good')).stdout, /^good +RUNNING +pid PID, uptime UP\n$/);
  await bothFatal();
  r = await same('restart', 'crash');
  assert.equal(r.code, 7);
  await bothFatal();
  r = await same('restart', 'all');
  assert.equal(r.code, 7);
  await bothFatal();
  await same('stop', 'all');
  await same('status');
});

test('a service with a notification-fd is STARTING until it is ready (past startsecs): start waits for readiness, as supervisord waits for startsecs', { skip }, async (t) => {
  const { scan, root } = scanDir(t, (sd) => {
    makeService(sd, 'ready', `exec ${fixture('supervise-notify-ready')}`, { 'notification-fd': '5\n', down: '' });
  });
  const conf = join(root, 'ctl.conf');
  writeFileSync(conf, '[supervisorctl]\n');
  const web = await startWeb(t, [scan]);
  const ctlArgs = ['-c', conf, '-s', web.url];
  const starting = start(SUPERVISORCTL, [...ctlArgs, 'start', 'ready']);
  t.after(() => starting.stop('SIGKILL'));
  const view = (): Promise<any> => getJson(`${web.url}/api/services/ready`);
  await waitFor(async () => { const v = await view(); return v.up && Date.now() / 1000 - v.since > 2; }, 30000, 'up for more than startsecs');
  const r = await run(SUPERVISORCTL, [...ctlArgs, 'status', 'ready'], { timeoutMs: 60000 });
  assert.deepEqual([r.code, r.stdout], [0, 'ready                            STARTING  \n'], 'not ready: STARTING');
  assert.equal(starting.child.exitCode, null, 'start still waiting');
  writeFileSync(join(scan, 'ready', 'go'), '');
  await waitFor(() => starting.child.exitCode !== null, 30000, 'start answered');
  assert.deepEqual([starting.child.exitCode, starting.stdout()], [0, 'ready: started\n']);
  assert.equal((await view()).ready, true, 'ready when start answered');
  assert.match((await run(SUPERVISORCTL, [...ctlArgs, 'status', 'ready'], { timeoutMs: 60000 })).stdout, /^ready +RUNNING +pid \d+/);
});
