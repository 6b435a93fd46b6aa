/** svconsole in a real terminal (tmux): attach by service directory, type, replay, read-only, detach. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { haveTool, ours, run } from '../helpers/proc.js';
import { Peer, serve } from './console-peer.js';
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
