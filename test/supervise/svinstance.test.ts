/** svinstance: service templates (T@ with %i) and their instances, started by svscan, read by daemontools' svstat, removed cleanly. */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { mkfifo, NOBODY, shAs } from '../helpers/as-user.js';
import { killUnder, svstatPid } from '../helpers/hostile-scan.js';
import { alive, haveDaemontools, ours, ROOT, run, runSync, start, tempDir, theirs, waitFor } from '../helpers/proc.js';
import { Peer } from '../procserv/console-peer.js';

const ENV = { ...process.env, PATH: `${join(ours('svscan'), '..')}:${process.env.PATH}` };
const LONG = 30000;

/** A scan directory with template .templates/app@ (run writes its name, log/run keeps a log), under a running svscan. */
function templateScan(t: { after(fn: () => Promise<void> | void): void }): { scan: string; template: string } {
  const { dir, cleanup } = tempDir('svkit-svinstance-');
  chmodSync(dir, 0o755);
  const scan = join(dir, 'service');
  const template = join(scan, '.templates', 'app@');
  mkdirSync(join(template, 'log'), { recursive: true });
  chmodSync(scan, 0o755);
  writeFileSync(join(template, 'run'), '#!/bin/sh\n# app@%i: 100%% plain\necho "%i" > name.tmp && mv name.tmp name\necho "hello from %i"\nexec sleep 1000\n', { mode: 0o755 });
  writeFileSync(join(template, 'log', 'run'), '#!/bin/sh\nexec multilog t ./main\n', { mode: 0o755 });
  writeFileSync(join(template, 'conf-%i'), 'instance %i\n');
  symlinkSync('/etc/%i.conf', join(template, 'link'));
  mkfifo(join(template, 'fifo'));
  const sv = start(ours('svscan'), [scan], { env: ENV });
  t.after(async () => { await sv.stop(); await killUnder(scan); cleanup(); });
  return { scan, template };
}

test('svinstance add: a plain service directory with %i replaced, started by svscan with its log; daemontools svstat reads it; remove stops and deletes it', { skip: !haveDaemontools() }, async (t) => {
  const { scan, template } = templateScan(t);
  const add = await run(ours('svinstance'), ['add', scan, 'app@one', 'app@two']);
  assert.equal(add.stderr, `svinstance: warning: ${template}/fifo not copied: not a file, directory or link (or a supervise/)\n`.repeat(2));
  assert.equal(add.code, 0);
  const one = join(scan, 'app@one');
  assert.equal(readFileSync(join(one, 'run'), 'utf8'), '#!/bin/sh\n# app@one: 100% plain\necho "one" > name.tmp && mv name.tmp name\necho "hello from one"\nexec sleep 1000\n');
  assert.equal(statSync(join(one, 'run')).mode & 0o777, 0o755);
  assert.equal(readFileSync(join(one, 'conf-one'), 'utf8'), 'instance one\n');
  assert.equal(readlinkSync(join(one, 'link')), '/etc/one.conf');
  assert.ok(!existsSync(join(one, 'fifo')));
  assert.ok(lstatSync(one).isDirectory() && !lstatSync(one).isSymbolicLink(), 'a plain directory');
  for (const n of ['one', 'two']) {
    const dir = join(scan, `app@${n}`);
    // add returned once svscan supervises both the service and its logger
    for (const d of [dir, join(dir, 'log')]) {
      const st = await run(theirs('svstat'), [d]);
      assert.match(st.stdout, /: up \(pid \d+\) \d+ seconds\n$/, `daemontools svstat ${d}: ${st.stdout}`);
    }
    await waitFor(() => existsSync(join(dir, 'name')) && readFileSync(join(dir, 'name'), 'utf8') === `${n}\n`, LONG, `${n} ran`);
    await waitFor(() => existsSync(join(dir, 'log/main/current')) && readFileSync(join(dir, 'log/main/current'), 'utf8').includes(`hello from ${n}`), LONG, `${n}'s log`);
  }
  assert.deepEqual(readdirSync(scan).sort(), ['.templates', 'app@one', 'app@two'], 'no temporary directory left');
  const pid = await svstatPid(one);
  const logPid = await svstatPid(join(one, 'log'));
  const rm = await run(ours('svinstance'), ['remove', scan, 'app@one']);
  assert.equal(rm.stderr, '');
  assert.equal(rm.code, 0);
  assert.ok(!existsSync(one), 'removed');
  assert.deepEqual(readdirSync(scan).sort(), ['.templates', 'app@two']);
  await waitFor(() => !alive(pid) && !alive(logPid), LONG, 'service and logger stopped');
  assert.ok(await svstatPid(join(scan, 'app@two')) > 0, 'the other instance runs on');
  // and again: a removed instance can be created anew
  const again = await run(ours('svinstance'), ['add', scan, 'app@one']);
  assert.equal(again.code, 0);
  assert.ok(await svstatPid(one) > 0);
});

test('svinstance add -u USER: the instance belongs to USER, so svscan runs it as USER', async (t) => {
  const { scan } = templateScan(t);
  const add = await run(ours('svinstance'), ['-u', 'nobody', 'add', scan, 'app@nob']);
  assert.equal(add.code, 0, add.stderr);
  const dir = join(scan, 'app@nob');
  for (const f of ['', 'run', 'log', 'log/run', 'conf-nob']) assert.equal(statSync(join(dir, f)).uid, NOBODY, `${f} owned by nobody`);
  const pid = await waitFor(() => svstatPid(dir), LONG, 'up');
  await waitFor(() => existsSync(join(dir, 'name')), LONG, 'ran');
  const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1];
  assert.equal(Number(uid), NOBODY, 'run runs as the instance owner');
});

test('svinstance: usage, a bad name, an existing instance, a missing template, no svscan', async (t) => {
  const { dir, cleanup } = tempDir('svkit-svinstance-');
  t.after(cleanup);
  const usage = 'svinstance [-t TEMPLATES] [-u USER] [-W SECONDS] add|remove SCANDIR TEMPLATE@NAME...';
  const u = await run(ours('svinstance'), ['add', dir]);
  assert.equal(u.code, 100);
  assert.equal(u.stderr, `svinstance: usage: ${usage}\n`);
  const bad = await run(ours('svinstance'), ['add', dir, 'app@../x']);
  assert.equal(bad.code, 100);
  assert.equal(bad.stderr, `svinstance: usage: app@../x is not TEMPLATE@NAME (letters, digits, . _ -)\nusage: ${usage}\n`);
  const missing = await run(ours('svinstance'), ['add', dir, 'app@one']);
  assert.equal(missing.code, 111);
  assert.equal(missing.stderr, `svinstance: warning: unable to create ${dir}/app@one: file does not exist\n`);
  mkdirSync(join(dir, 'tpl', 'app@'), { recursive: true });
  writeFileSync(join(dir, 'tpl', 'app@', 'run'), '#!/bin/sh\nexec sleep 1000\n', { mode: 0o755 });
  const none = await run(ours('svinstance'), ['-t', join(dir, 'tpl'), '-W', '1', 'add', dir, 'app@one']);
  assert.equal(none.code, 111);
  assert.equal(none.stderr, `svinstance: warning: created ${dir}/app@one, but nothing supervises it after 1 s (is svscan running on ${dir}?)\n`);
  const exists = await run(ours('svinstance'), ['-t', join(dir, 'tpl'), 'add', dir, 'app@one']);
  assert.equal(exists.code, 111);
  assert.equal(exists.stderr, `svinstance: warning: unable to create ${dir}/app@one: file already exists\n`);
  const rmNone = await run(ours('svinstance'), ['remove', dir, 'app@two']);
  assert.equal(rmNone.code, 111);
  assert.equal(rmNone.stderr, `svinstance: warning: unable to remove ${dir}/app@two: file does not exist\n`);
  const rm = await run(ours('svinstance'), ['remove', dir, 'app@one']);
  assert.equal(rm.code, 0, 'an unsupervised instance is just deleted');
  assert.ok(!existsSync(join(dir, 'app@one')));
});

test('service-examples: ioc@alpha and ioc@beta are what svinstance makes of the ioc@ template, and run under svscan with everything else', async (t) => {
  const { dir, cleanup } = tempDir('svkit-examples-');
  t.after(cleanup);
  const fresh = join(dir, 'fresh');
  mkdirSync(fresh);
  const made = await run(ours('svinstance'), ['-t', join(ROOT, 'service-examples', '.templates'), '-W', '0', 'add', fresh, 'ioc@alpha', 'ioc@beta']);
  assert.equal(made.code, 0, made.stderr);
  for (const n of ['ioc@alpha', 'ioc@beta']) {
    const d = runSync('diff', ['-r', '-x', 'supervise', '-x', 'main', '-x', 'console', join(fresh, n), join(ROOT, 'service-examples', n)]);
    assert.equal(d.stdout, '', `${n} is up to date with the template`);
  }
  // npm start's scan directory, copied without the state a running svscan left in it
  const scan = join(dir, 'service-examples');
  runSync('cp', ['-r', join(ROOT, 'service-examples'), scan]);
  runSync('sh', ['-c', 'find . \\( -name supervise -o -name main -o -name console \\) -prune -exec rm -rf {} +', ], { cwd: scan });
  const sv = start(ours('svscan'), [scan], { env: ENV });
  t.after(async () => { await sv.stop(); await killUnder(scan); });
  for (const [n, rec] of [['alpha', 'alpha:temperature'], ['beta', 'beta:setpoint']] as const) {
    const sock = join(scan, `ioc@${n}`, 'console');
    await waitFor(() => existsSync(sock), LONG, `ioc@${n} console`);
    const p = await Peer.connect(sock);
    t.after(() => p.close());
    await p.waitText('connected (plus you)', LONG);
    p.write('dbl\r');
    await p.waitText(rec, LONG);
    await waitFor(() => existsSync(join(scan, `ioc@${n}`, 'log/main/current')) && readFileSync(join(scan, `ioc@${n}`, 'log/main/current'), 'utf8').includes(rec), LONG, `ioc@${n} console log`);
  }
  for (const s of ['hello', 'ioc', 'ioc@alpha', 'ioc@beta']) assert.ok(await waitFor(() => svstatPid(join(scan, s)), LONG, `${s} up`));
  const st = await run(ours('svstat'), [join(scan, '.templates', 'ioc@')]);
  assert.match(st.stdout, /supervise not running|unable to open/, 'the template itself is not supervised');
});

test('svinstance remove of an instance owned by a hostile user: a log/ swapped for a link to another service, links to root files: only the instance goes', async (t) => {
  const { scan } = templateScan(t);
  const add = await run(ours('svinstance'), ['add', scan, 'app@victim']);
  assert.equal(add.code, 0, add.stderr);
  const addEvil = await run(ours('svinstance'), ['-u', 'nobody', 'add', scan, 'app@evil']);
  assert.equal(addEvil.code, 0, addEvil.stderr);
  const victim = join(scan, 'app@victim');
  const evil = join(scan, 'app@evil');
  const victimPid = await svstatPid(victim);
  const victimLogPid = await svstatPid(join(victim, 'log'));
  const precious = join(scan, '..', 'precious');
  mkdirSync(precious);
  writeFileSync(join(precious, 'file'), 'keep\n');
  // as nobody: log/ becomes a link to the victim, and links (to a directory, to a file) point at root's files
  await shAs(NOBODY, `mv log log.old && ln -s ../app@victim log && ln -s ${precious} dirlink && ln -s ${precious}/file filelink && mkdir d && ln -s ${precious} d/inner`, evil);
  const rm = await run(ours('svinstance'), ['remove', scan, 'app@evil']);
  assert.equal(rm.code, 0, rm.stderr);
  assert.ok(!existsSync(evil), 'the instance is gone');
  assert.deepEqual(readdirSync(scan).sort(), ['.templates', 'app@victim']);
  assert.equal(readFileSync(join(precious, 'file'), 'utf8'), 'keep\n', 'nothing outside the instance deleted');
  assert.equal(await svstatPid(victim), victimPid, 'the victim service still runs, same pid');
  assert.equal(await svstatPid(join(victim, 'log')), victimLogPid, 'and its logger');
  assert.ok(alive(victimPid));
});
