/** procserv consoles served by Debian's stock conserver, run as its packaged user conservr: --console-group dialout. */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { killUnder, svstatPid } from '../helpers/hostile-scan.js';
import { fixture, haveTool, ours, run, start, tempDir, waitFor } from '../helpers/proc.js';
import { makeService } from '../helpers/service-dir.js';
import { conservrIds, startConserver } from './conserver-host.js';
import { TmuxPane } from './tmux-pane.js';

const ENV = { ...process.env, PATH: `${join(ours('svscan'), '..')}:${process.env.PATH}` };
const LONG = 30000;
const haveConserver = (): boolean =>
  haveTool('/usr/sbin/conserver', 'conserver-server') && haveTool('/usr/bin/console', 'conserver-client') && haveTool('/usr/bin/tmux', 'tmux');

/**
 * Types `text` + Enter into a console(1) pane until `expect` shows up: keys sent while console is
 * still setting up its terminal can be flushed, so a line is typed again (at most every 3 s) until it arrives.
 */
async function typeUntil(pane: TmuxPane, text: string, expect: string, watch = pane): Promise<void> {
  await waitFor(async () => {
    pane.type(text);
    pane.keys('Enter');
    return watch.wait(expect, 3000).then(() => true, () => false);
  }, LONG, `${expect} on the screen:\n${watch.screen()}`);
}

/** A scan directory conservr can traverse, with one procserv service per name (`extra` = more procserv options). */
function iocScan(names: Record<string, string>): { scan: string; cleanup(): void } {
  const { dir, cleanup } = tempDir('svkit-conserver-');
  chmodSync(dir, 0o755);
  const scan = join(dir, 'service');
  mkdirSync(scan);
  for (const [name, extra] of Object.entries(names)) {
    makeService(scan, name, `exec 2>&1\nexec procserv -f -L - -n ${name} ${extra} unix:./console ${fixture('procserv-echo')}`);
  }
  chmodSync(scan, 0o755);
  return { scan, cleanup };
}

test('--console-group dialout: the stock conserver (user conservr) serves two consoles: type, spy, log, reattach after svc -t; without it the socket stays closed', {
  skip: !haveConserver() || !conservrIds(),
}, async (t) => {
  const { scan, cleanup } = iocScan({ ioc1: '--console-group dialout', ioc2: '--console-group dialout', closed: '' });
  const sv = start(ours('svscan'), [scan], { env: ENV });
  t.after(async () => { await sv.stop(); await killUnder(scan); cleanup(); });
  const sock = (n: string): string => join(scan, n, 'console');
  await waitFor(() => ['ioc1', 'ioc2', 'closed'].every((n) => existsSync(sock(n))), LONG, 'three console sockets');
  const dialout = conservrIds()!.gid;
  for (const n of ['ioc1', 'ioc2']) {
    const st = statSync(sock(n));
    assert.equal(st.mode & 0o777, 0o660, `${n}: socket 0660`);
    assert.equal(st.gid, dialout, `${n}: socket group is conservr's group dialout`);
  }
  assert.equal(statSync(sock('closed')).mode & 0o777, 0o600, 'by default the socket is owner-only');

  const cs = await startConserver(join(scan, '..'), ['ioc1', 'ioc2', 'closed'].map((n) => `console ${n} { type uds; uds ${sock(n)}; master localhost; }`).join('\n'));
  t.after(() => cs.stop());
  await waitFor(() => cs.log('ioc1').includes('@@@ Welcome to procServ') && cs.log('ioc2').includes('@@@ Welcome to procServ'), LONG, 'conserver attached to ioc1 and ioc2 (its console logs)');
  await waitFor(() => /\[closed\] connect\(\d+\): Permission denied/.test(cs.messages()), LONG, `conserver refused on the default socket: ${cs.messages()}`);

  const panes: TmuxPane[] = [];
  t.after(() => { for (const p of panes) p.kill(); });
  const attach = async (args: string): Promise<TmuxPane> => {
    const p = TmuxPane.start(cs.consoleLine(args));
    panes.push(p);
    await p.wait("[Enter `^Ec?' for help]");
    return p;
  };
  const one = await attach('ioc1');
  const two = await attach('ioc2');
  const spy = await attach('-s ioc1');
  await typeUntil(one, 'first ioc', 'got: first ioc');
  await typeUntil(two, 'second ioc', 'got: second ioc');
  await typeUntil(one, 'for the spy', 'got: for the spy', spy); // the spy sees what `one` does
  assert.ok(!one.screen().includes('second ioc') && !two.screen().includes('first ioc'), 'each console is its own');
  await waitFor(() => cs.log('ioc1').includes('got: first ioc') && cs.log('ioc2').includes('got: second ioc'), LONG, 'conserver logs');
  spy.type('from the spy');
  spy.keys('Enter');
  await typeUntil(one, 'after spy', 'got: after spy');
  assert.ok(!cs.log('ioc1').includes('from the spy'), 'a spy cannot type');

  // svc -t: procserv restarts with a new socket; conserver retries a downed console every minute, or at once on bringup
  const before = await svstatPid(join(scan, 'ioc1'));
  const r = await run(ours('svc'), ['-t', join(scan, 'ioc1')]);
  assert.equal(r.code, 0);
  await waitFor(async () => { const p = await svstatPid(join(scan, 'ioc1')); return p !== 0 && p !== before; }, LONG, 'ioc1 restarted');
  await waitFor(() => existsSync(sock('ioc1')), LONG, 'new ioc1 socket');
  await waitFor(() => cs.log('ioc1').includes('Console down'), LONG, 'conserver saw ioc1 go down');
  const welcomes = (): number => cs.log('ioc1').split('@@@ Welcome to procServ').length - 1;
  // conserver tried once at EOF, before the new socket existed; an operator reopens with ^Ec o (conserver also retries every minute)
  one.keys('C-e', 'c', 'o');
  await waitFor(() => welcomes() >= 2, LONG, `conserver reattached to ioc1: ${cs.messages()}`);
  const again = await attach('ioc1'); // a second client: conserver lets it watch while `one` holds write access
  await typeUntil(one, 'after restart', 'got: after restart', again);
  await waitFor(() => cs.log('ioc1').includes('got: after restart'), LONG, 'conserver log after reattach');
});

test('template instances + svconserver round trip: the stock conserver (as conservr) reads the generated entries and `console NAME` reaches each IOC', {
  skip: !haveConserver() || !conservrIds(),
}, async (t) => {
  const { scan, cleanup } = iocScan({});
  const template = join(scan, '.templates', 'ioc@');
  mkdirSync(template, { recursive: true });
  writeFileSync(join(template, 'run'), `#!/bin/sh\nexec 2>&1\nexec procserv -f -L - -n %i --console-group dialout unix:./console ${fixture('procserv-echo')}\n`, { mode: 0o755 });
  const sv = start(ours('svscan'), [scan], { env: ENV });
  t.after(async () => { await sv.stop(); await killUnder(scan); cleanup(); });
  const add = await run(ours('svinstance'), ['add', scan, 'ioc@alpha', 'ioc@beta']);
  assert.equal(add.code, 0, add.stderr);
  await waitFor(() => ['ioc@alpha', 'ioc@beta'].every((n) => existsSync(join(scan, n, 'console'))), LONG, 'console sockets');
  const logs = join(scan, '..', 'conserver-logs');
  const gen = await run(ours('svconserver'), ['--logdir', logs, scan]);
  assert.equal(gen.code, 0);
  assert.equal(gen.stderr, '');
  assert.equal(gen.stdout.split('\n').filter((l) => l.startsWith('console ')).length, 2);
  // as the README's recipe: the generated file is #include'd from conserver.cf
  const included = join(scan, '..', 'svkit.cf');
  writeFileSync(included, gen.stdout, { mode: 0o644 });
  const cs = await startConserver(join(scan, '..'), `#include ${included}`);
  t.after(() => cs.stop());
  await waitFor(() => cs.log('alpha').includes('@@@ Welcome to procServ') && cs.log('beta').includes('@@@ Welcome to procServ'), LONG, `conserver attached to both: ${cs.messages()}`);
  const list = await cs.console(['-i']);
  assert.match(list.stdout, /^alpha:.*:up:/m);
  assert.match(list.stdout, /^beta:.*:up:/m);
  const panes: TmuxPane[] = [];
  t.after(() => { for (const p of panes) p.kill(); });
  for (const n of ['alpha', 'beta']) {
    const p = TmuxPane.start(cs.consoleLine(n));
    panes.push(p);
    await p.wait("[Enter `^Ec?' for help]");
    await typeUntil(p, `hello ${n}`, `got: hello ${n}`);
    await waitFor(() => cs.log(n).includes(`got: hello ${n}`), LONG, `conserver log of ${n}`);
  }
});
