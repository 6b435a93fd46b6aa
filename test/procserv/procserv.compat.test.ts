/** procserv next to Debian's procServ 2.7, and with real peers: socat, telnet (in tmux), conserver. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixture, haveTool, ours, run, runSync, start, tempDir, theirs, waitFor } from '../helpers/proc.js';
import { freePort, Peer, readOr, serve } from './console-peer.js';
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

test('unix:@NAME binds exactly that abstract name, as procServ does: socat ABSTRACT-CONNECT reaches it', { skip: !haveTool('/usr/bin/socat', 'socat') || !haveTool('/usr/bin/procServ', 'procserv') }, async (t) => {
  const entries: string[] = [];
  for (const bin of [theirs('procServ'), ours('procserv')]) {
    const name = `svkit-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const proc = start(bin, ['-f', `unix:@${name}`, fixture('procserv-echo')]);
    t.after(() => proc.stop());
    // /proc/net/unix shows the name's NULs as @: a padded name would be followed by a run of @
    const entry = await waitFor(() => readFileSync('/proc/net/unix', 'latin1').split('\n').find((l) => l.includes(`@${name}`)), 10000, 'abstract socket');
    entries.push(entry.slice(entry.indexOf('@')).replace(name, 'NAME'));
    const socat = start('/usr/bin/socat', ['-', `ABSTRACT-CONNECT:${name}`], { stdio: ['pipe', 'pipe', 'pipe'] });
    t.after(() => socat.stop());
    await waitFor(() => socat.stdout().includes('(plus you)'), 10000, `socat reaching ${bin}: ${socat.stderr()}`);
    // procServ drops input until its child runs: wait for the child (in the banner, or starting after it)
    await waitFor(() => /Child ".*" PID: \d+|ready \d+/.test(socat.stdout()), 10000, 'the child running');
    socat.child.stdin!.write('via socat\r');
    await waitFor(() => socat.stdout().includes('got: via socat'), 10000, 'the child answering socat');
    await socat.stop();
    await proc.stop();
  }
  assert.deepEqual(entries, ['@NAME', '@NAME']);
});

/**
 * Runs `cmd` (a console server started with `-f -I INFO`) in a tmux pane; returns the pane and the
 * server's pid from INFO. After the test the server is killed (one that lost its terminal keeps
 * running, procServ too), the pane closed and `cleanup` run, whatever happened.
 */
async function serverInPane(t: { after(fn: () => void): void }, cmd: string, dir: string, info: string, cleanup: () => void): Promise<{ pane: TmuxPane; pid: number }> {
  const pane = TmuxPane.start(cmd, dir);
  let pid = 0;
  t.after(() => {
    if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    pane.kill();
    cleanup();
  });
  pid = Number((await waitFor(() => /^pid:(\d+)$/m.exec(readOr(info)), 10000, 'info file'))[1]);
  return { pane, pid };
}

test('procserv -f in a terminal: the terminal is a console client, with the banner procServ shows there', { skip: !haveTool('/usr/bin/procServ', 'procserv') || !haveTool('/usr/bin/tmux', 'tmux') }, async (t) => {
  /** Runs `bin -f -x ^L -I info PORT echo` in a tmux pane; types a line; returns the normalized banner. */
  async function inTerminal(bin: string): Promise<string> {
    const { dir, cleanup } = tempDir('svkit-procserv-');
    const port = await freePort();
    const info = join(dir, 'info'); // procServ -f writes no -p file
    const { pane, pid } = await serverInPane(t, `${bin} -f -x ^L -I ${info} ${port} ${fixture('procserv-echo')}`, dir, info, cleanup);
    const tty = runSync('tmux', ['display', '-p', '-t', pane.name, '#{pane_tty}']).stdout.trim();
    const screen = await pane.wait(/ready \d+/);
    const banner = screen.slice(screen.indexOf('@@@ Welcome'), screen.indexOf('@@@ Restarting child')).replace(/"$/m, ''); // procServ leaks a telnet byte there
    assert.match(runSync('stty', ['-a', '-F', tty]).stdout, /-icanon/, 'terminal in raw mode while attached');
    pane.type('typed in the terminal');
    pane.keys('Enter');
    await pane.wait('got: typed in the terminal');
    const peer = await waitFor(() => Peer.connect(port).catch(() => undefined), 10000, 'control port');
    t.after(() => peer.close());
    await peer.waitText('@@@ 1 user(s) and 0 logger(s) connected (plus you)');
    pane.keys('C-x'); // the kill key acts from the terminal too
    await peer.waitText('The process was killed by signal 9');
    pane.keys('C-l'); // logout: the terminal is no client any more, only the peer is
    await waitFor(async () => {
      const p = await Peer.connect(port);
      await p.waitText('(plus you)');
      p.close();
      return p.text().includes('@@@ 1 user(s) and 0 logger(s) connected (plus you)');
    }, 10000, 'terminal logged out');
    process.kill(pid, 'SIGTERM');
    await pane.wait('[exit ');
    return banner.replace(/\d{2,}/g, 'N').replace(/at: .*/g, 'at: TIME').replace(/Welcome to procServ \(.*\)/, 'Welcome to procServ (VERSION)');
  }
  const theirsBanner = await inTerminal(theirs('procServ'));
  const oursBanner = await inTerminal(ours('procserv'));
  assert.equal(oursBanner, theirsBanner);
  assert.match(oursBanner, /@@@ 0 user\(s\) and 0 logger\(s\) connected \(plus you\)\n@@@ \^R or \^X restarts the child, \^Q quits the server, \^L closes this connection\n$/);
});

test('procserv -f in a terminal: the terminal is restored on exit and what was typed never reaches the shell', { skip: !haveTool('/usr/bin/tmux', 'tmux') }, async (t) => {
  const { dir, cleanup } = tempDir('svkit-procserv-');
  const sock = join(dir, 'console');
  const info = join(dir, 'info');
  const { pane } = await serverInPane(t, `${ours('procserv')} -f --noautorestart -I ${info} unix:${sock} ${fixture('procserv-echo')}; stty -a | grep -o -- '-\\?icanon'`, dir, info, cleanup);
  await pane.wait(/ready \d+/);
  pane.type('echo SHELL-RAN-$((6*7))');
  pane.keys('Enter');
  await pane.wait('got: echo SHELL-RAN');
  pane.keys('C-x'); // kill; auto restart is off
  await pane.wait('auto restart is disabled');
  pane.keys('C-q'); // quit
  const screen = await pane.wait('[exit 0]');
  assert.match(screen, /\[exit 0\]/);
  assert.match(screen, /^icanon$/m, 'terminal back in canonical mode');
  assert.doesNotMatch(screen, /SHELL-RAN-42/);
  assert.equal(existsSync(sock), false);
});

test('a command that cannot run: procServ and procserv both refuse to start, naming it and the reason', { skip: !haveTool('/usr/bin/procServ', 'procserv') }, async () => {
  const { dir, cleanup } = tempDir('svkit-procserv-');
  try {
    const t = await run(theirs('procServ'), ['-f', `unix:${join(dir, 'c1')}`, '/nonexistent/cmd'], { cwd: dir });
    const o = await run(ours('procserv'), ['-f', `unix:${join(dir, 'c2')}`, '/nonexistent/cmd'], { cwd: dir });
    assert.notEqual(t.code, 0);
    assert.notEqual(o.code, 0);
    assert.match(t.stderr, /\/nonexistent\/cmd: No such file or directory/);
    assert.match(o.stderr, /\/nonexistent\/cmd: file does not exist/);
  } finally {
    cleanup();
  }
});
