/** procserv next to Debian's procServ 2.7, and with real peers: socat, telnet (in tmux), conserver. */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixture, haveTool, ours, run, start, tempDir, theirs, waitFor } from '../helpers/proc.js';
import { Peer, readOr, serve } from './console-peer.js';
import { TmuxPane } from './tmux-pane.js';

const SEED = ['-L', '-', '-i', '^D^C', '-n', 'ioc1', '-x', '^X', '-k', '^T'];

/** Banner and messages with what legitimately differs (PIDs, times, paths, version, telnet bytes) masked. */
function normalize(text: string, dir: string): string {
  return text
    .replace(/\xff[\xfb-\xfe]./g, '')
    .split(dir).join('DIR')
    .replace(/\d{2,}/g, 'N')
    .replace(/at: .*/g, 'at: TIME')
    .replace(/Current time: .*/g, 'Current time: TIME')
    .replace(/Welcome to procServ \(.*\)/, 'Welcome to procServ (VERSION)')
    // the child's death notice comes whenever SIGCHLD arrives: its place among the other lines is timing, not behaviour
    .replace(/\r\n@@@ @@@ @@@ @@@ @@@\r\n@@@ Received a sigChild for process N\. The process was killed by signal 9\r\n/g, '');
}

async function session(bin: string): Promise<{ banner: string; killed: string; log: string }> {
  const s = await serve([...SEED, '--holdoff', '1'], [fixture('procserv-echo')], bin);
  try {
    await waitFor(() => s.proc.stdout().includes('ready '), 10000, 'child ready');
    const p = await Peer.connect(s.sock);
    await p.waitText('connected (plus you)\r\n');
    const banner = p.text();
    p.write('\x14'); // ^T is kill and toggle in the seed line
    await p.waitText('^X closes this connection\r\n');
    const killed = p.text().slice(banner.length);
    p.close();
    await waitFor(() => s.proc.stdout().includes('closes this connection'), 10000, 'log');
    await waitFor(() => s.proc.stdout().includes('Received a sigChild for process'), 10000, 'death notice in the log');
    return { banner: normalize(banner, s.dir), killed: normalize(killed, s.dir), log: normalize(s.proc.stdout(), s.dir) };
  } finally {
    await s.stop();
  }
}

test('the seed line: same banner and kill/toggle messages as procServ 2.7', { skip: !haveTool('/usr/bin/procServ', 'procserv') }, async () => {
  const theirsOut = await session(theirs('procServ'));
  const oursOut = await session(ours('procserv'));
  assert.equal(oursOut.banner, theirsOut.banner);
  assert.equal(oursOut.killed, theirsOut.killed);
  const cut = (log: string): string => log.slice(0, log.indexOf('closes this connection'));
  assert.equal(cut(oursOut.log), cut(theirsOut.log));
});

test('socat: two clients at once both see output and both can type', { skip: !haveTool('/usr/bin/socat', 'socat') }, async (t) => {
  const s = await serve([]);
  t.after(() => s.stop());
  const a = start('/usr/bin/socat', ['-', `unix-connect:${s.sock}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  const b = start('/usr/bin/socat', ['-', `unix-connect:${s.sock}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  t.after(async () => { await a.stop(); await b.stop(); });
  await waitFor(() => a.stdout().includes('(plus you)') && b.stdout().includes('(plus you)'), 10000, 'both banners');
  a.child.stdin!.write('one from a\r');
  await waitFor(() => b.stdout().includes('got: one from a'), 10000, 'b sees a');
  b.child.stdin!.write('two from b\r');
  await waitFor(() => a.stdout().includes('got: two from b'), 10000, 'a sees b');
});

test('telnet in a terminal: character mode, so the kill key acts without Enter', { skip: !haveTool('/usr/bin/telnet', 'telnet') || !haveTool('/usr/bin/tmux', 'tmux') }, async (t) => {
  const { dir, cleanup } = tempDir('svkit-procserv-');
  const port = 20000 + ((process.pid * 7) % 20000);
  const ps = start(ours('procserv'), ['-f', '--holdoff', '0', '-I', join(dir, 'info'), String(port), fixture('procserv-echo')], { cwd: dir });
  t.after(async () => { await ps.stop(); cleanup(); });
  await waitFor(() => existsSync(join(dir, 'info')), 10000, 'procserv listening');
  const pane = TmuxPane.start(`telnet 127.0.0.1 ${port}`);
  t.after(() => pane.kill());
  await pane.wait('(plus you)');
  pane.type('hi there');
  pane.keys('Enter');
  await pane.wait('got: hi there');
  pane.keys('C-x'); // no Enter: only character mode sends it now
  await pane.wait('The process was killed by signal 9');
  await pane.wait(/Restarting child/);
  pane.keys('C-]');
  await pane.wait('telnet>');
  pane.type('quit');
  pane.keys('Enter');
  await pane.wait('[exit 0]');
});

test('conserver attaches to the UNIX-socket console as type uds; console reads and writes', {
  skip: !haveTool('/usr/sbin/conserver', 'conserver-server') || !haveTool('/usr/bin/console', 'conserver-client') || !haveTool('/usr/bin/tmux', 'tmux'),
}, async (t) => {
  const s = await serve(['-n', 'ioc1']);
  t.after(() => s.stop());
  const port = 30000 + ((process.pid * 13) % 20000);
  const cf = join(s.dir, 'conserver.cf');
  writeFileSync(cf, [
    'default full { rw *; }',
    `default * { logfile ${s.dir}/&.log; timestamp ""; include full; }`,
    `console ioc1 { type uds; uds ${s.sock}; master localhost; }`,
    'access * { trusted 127.0.0.1; allowed 127.0.0.1; }',
    '',
  ].join('\n'));
  writeFileSync(join(s.dir, 'conserver.passwd'), '*any*:\n');
  const cs = start('/usr/sbin/conserver', ['-C', cf, '-P', join(s.dir, 'conserver.passwd'), '-p', String(port), '-M', '127.0.0.1', '-m', '1']);
  t.after(() => cs.stop());
  const log = join(s.dir, 'ioc1.log');
  await waitFor(() => readOr(log).includes('@@@ Welcome to procServ'), 10000, 'conserver attached (its console log)');
  await waitFor(() => Peer.connect(port).then((p) => { p.close(); return true; }), 10000, 'conserver master port');
  const pane = TmuxPane.start(`console -M 127.0.0.1 -p ${port} ioc1`);
  t.after(() => pane.kill());
  await pane.wait("[Enter `^Ec?' for help]");
  pane.type('through conserver');
  pane.keys('Enter');
  await pane.wait('got: through conserver');
  await waitFor(() => readOr(log).includes('got: through conserver'), 10000, 'conserver log');
  const peer = await Peer.connect(s.sock);
  t.after(() => peer.close());
  await peer.waitText('1 user(s) and 0 logger(s) connected (plus you)');
  pane.keys('C-e', 'c', '.'); // conserver's detach
  await pane.wait('[exit 0]');
  const r = await run('/usr/bin/console', ['-M', '127.0.0.1', '-p', String(port), '-i']);
  assert.match(r.stdout, /ioc1/);
});
