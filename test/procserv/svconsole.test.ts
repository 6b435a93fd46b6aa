/** svconsole in a real terminal (tmux): attach by service directory, type, replay, read-only, detach. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fixture, haveTool, ours, run, start, theirs, waitFor } from '../helpers/proc.js';
import { Peer, serve, serveTcp } from './console-peer.js';
import { TmuxPane } from './tmux-pane.js';

const tmux = haveTool('/usr/bin/tmux', 'tmux');

test('svconsole DIR: raw terminal, typing reaches the child, ^C is passed (then dropped by -i), ^] . detaches', { skip: !tmux }, async (t) => {
  const s = await serve(['-i', '^C']);
  t.after(() => s.stop());
  const pane = TmuxPane.start(`${ours('svconsole')} -l 3 ${s.dir}`);
  t.after(() => pane.kill());
  await pane.wait('@@@ End of scrollback');
  assert.match(pane.screen(), /Replaying the last 3 line\(s\)[\s\S]*ready \d+/);
  pane.type('abc');
  pane.keys('C-c'); // raw mode: no SIGINT for svconsole; procserv drops it
  pane.type('def');
  pane.keys('Enter');
  await pane.wait('got: abcdef');
  pane.keys('C-]', '.');
  await pane.wait('svconsole: detached');
  await pane.wait('[exit 0]');
  const peer = await Peer.connect(s.sock);
  t.after(() => peer.close());
  await peer.waitText('0 user(s) and 0 logger(s) connected (plus you)');
});

test('svconsole -r: sees output, its typing is not sent', { skip: !tmux }, async (t) => {
  const s = await serve([]);
  t.after(() => s.stop());
  const pane = TmuxPane.start(`${ours('svconsole')} -r ${s.sock}`);
  t.after(() => pane.kill());
  await pane.wait('attached read-only');
  await pane.wait('(plus you)');
  const writer = await Peer.connect(s.sock);
  t.after(() => writer.close());
  pane.type('ignored');
  pane.keys('Enter');
  writer.write('visible\r');
  await pane.wait('got: visible');
  await writer.waitText('got: visible');
  assert.doesNotMatch(writer.text(), /ignored/);
  pane.keys('C-]', '.');
  await pane.wait('[exit 0]');
});

test('svconsole errors: usage 100, missing console 111', async () => {
  const u = await run(ours('svconsole'), []);
  assert.equal(u.code, 100);
  assert.match(u.stderr, /^svconsole: usage: /);
  const m = await run(ours('svconsole'), ['/nonexistent/service']);
  assert.equal(m.code, 111);
  assert.match(m.stderr, /^svconsole: fatal: unable to find console \/nonexistent\/service: file does not exist\n$/);
});

test('svconsole -l N over TCP replays the last N lines as over a UNIX socket', { skip: !tmux }, async (t) => {
  const s = await serveTcp([]);
  t.after(() => s.stop());
  const writer = await Peer.connect(s.port);
  t.after(() => writer.close());
  for (const w of ['one', 'two']) {
    writer.write(`${w}\r\n`);
    await writer.waitText(`got: ${w}`);
  }
  const pane = TmuxPane.start(`${ours('svconsole')} -l 2 ${s.port}`);
  t.after(() => pane.kill());
  const screen = await pane.wait('@@@ End of scrollback');
  assert.match(screen, /Replaying the last 2 line\(s\) of scrollback\ntwo\ngot: two\n@@@ End of scrollback/);
  pane.type('typed');
  pane.keys('Enter');
  await pane.wait('got: typed');
  pane.keys('C-]', '.');
  await pane.wait('[exit 0]');
});

test('svconsole -r over TCP: procserv knows the client is read-only (counted as a logger)', { skip: !tmux }, async (t) => {
  const s = await serveTcp([]);
  t.after(() => s.stop());
  const pane = TmuxPane.start(`${ours('svconsole')} -r ${s.port}`);
  t.after(() => pane.kill());
  await pane.wait('(plus you)');
  await waitFor(async () => {
    const p = await Peer.connect(s.port);
    await p.waitText('(plus you)');
    p.close();
    return p.text().includes('@@@ 0 user(s) and 1 logger(s) connected (plus you)');
  }, 10000, 'the svconsole -r client counted as a logger');
  pane.keys('C-]', '.');
  await pane.wait('[exit 0]');
});

test('svconsole unix:@NAME reaches an abstract console socket (ours, and procServ\'s)', async (t) => {
  for (const bin of [ours('procserv'), ...(haveTool('/usr/bin/procServ', 'procserv') ? [theirs('procServ')] : [])]) {
    const name = `svkit-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const proc = start(bin, ['-f', `unix:@${name}`, fixture('procserv-echo')]);
    t.after(() => proc.stop());
    await waitFor(() => readFileSync('/proc/net/unix', 'latin1').includes(`@${name}\n`), 10000, 'abstract socket listening');
    const r = await run(ours('svconsole'), [`unix:@${name}`], { input: '' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /@@@ Welcome to procServ/);
    await proc.stop();
  }
  const none = await run(ours('svconsole'), [`unix:@svkit-nobody-${process.pid}`]);
  assert.equal(none.code, 111);
  assert.match(none.stderr, /^svconsole: fatal: unable to connect to unix:@svkit-nobody-\d+: connection refused\n$/);
});
