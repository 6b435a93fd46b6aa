/** procserv as a whole: the seed's procServ line, clients, control keys, files, exit paths, bad clients. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { alive, fixture, haveTool, ours, run, start, tempDir, waitFor } from '../helpers/proc.js';
import { Peer, readOr, readyPid, serve, serveTcp } from './console-peer.js';
import { TmuxPane } from './tmux-pane.js';

const SEED = ['-L', '-', '-i', '^D^C', '-n', 'ioc1', '-x', '^X', '-k', '^T'];
/** The child's whole "ready PID" line (waiting for "ready " alone can see the line cut after it). */
const READY = /ready \d+\r\n/;

test('the seed line: banner, input echoed and answered, ^D^C dropped, console log on stdout', async (t) => {
  const s = await serve([...SEED, '-I', 'info']);
  t.after(() => s.stop());
  const p = await Peer.connect(s.sock, 100);
  t.after(() => p.close());
  await p.waitText(READY);
  const text = p.text();
  assert.match(text, /^@@@ Welcome to procServ \(/);
  assert.match(text, /@@@ Use \^T to kill the child, auto restart is ON, use \^T to toggle auto restart\r\n/);
  assert.match(text, /@@@ Use \^X to logout from procServ server\r\n/);
  assert.match(text, new RegExp(`@@@ procServ server PID: ${s.proc.child.pid}\\r\\n`));
  assert.match(text, /@@@ Child "ioc1" PID: \d+\r\n/);
  assert.match(text, /@@@ 0 user\(s\) and 0 logger\(s\) connected \(plus you\)\r\n/);
  p.write('ab\x03c\x04d\r');
  await p.waitText('got: abcd\r\n');
  await waitFor(() => s.proc.stdout().includes('got: abcd'), 10000, 'console log on stdout');
  assert.match(s.proc.stdout(), /@@@ Restarting child "ioc1"\r\n@@@    \(as .*procserv-echo\)\r\n@@@ The PID of new child "ioc1" is: \d+/);
  const info = readFileSync(join(s.dir, 'info'), 'utf8');
  assert.equal(info, `pid:${s.proc.child.pid}\nunix:${s.sock}\n`);
  assert.equal(statSync(s.sock).mode & 0o777, 0o600, 'console socket is owner-only');
});

test('two clients: both see the output, either can type; the second is counted in the banner', async (t) => {
  const s = await serve(['-q']);
  t.after(() => s.stop());
  const a = await Peer.connect(s.sock);
  await a.waitText('0 user(s) and 0 logger(s)');
  const b = await Peer.connect(s.sock);
  t.after(() => { a.close(); b.close(); });
  await b.waitText('1 user(s) and 0 logger(s) connected (plus you)');
  a.write('from a\r');
  b.write('from b\r');
  for (const p of [a, b]) {
    await p.waitText('got: from a');
    await p.waitText('got: from b');
  }
});

test('kill key restarts the child with a new PID; toggle turns auto restart off; ^R starts it again; logout closes', async (t) => {
  const s = await serve(['--holdoff', '0', '-x', '^L']);
  t.after(() => s.stop());
  const p = await Peer.connect(s.sock, 100);
  t.after(() => p.close());
  await p.waitText(READY);
  const pid1 = readyPid(p.text());
  p.write('\x18'); // ^X: kill
  await p.waitText(`Received a sigChild for process ${pid1}. The process was killed by signal 9`);
  // only the new child can say ready after this (before it, the replay may repeat the first one's line)
  const after = (): string => p.text().slice(p.text().indexOf(`Received a sigChild for process ${pid1}`));
  await waitFor(() => /ready \d+/.test(after()), 10000, 'the new child ready');
  const pid2 = readyPid(after());
  assert.notEqual(pid2, pid1);
  assert.equal(alive(pid1), false);
  p.write('\x14'); // ^T: auto restart OFF
  await p.waitText('@@@ Toggled auto restart to OFF');
  p.write('quit 0\r');
  await p.waitText('Child process is shutting down, auto restart is disabled');
  await p.waitText('@@@ ^R or ^X restarts the child, ^Q quits the server, ^L closes this connection');
  p.write('\x12'); // ^R
  await waitFor(() => readyPid(p.text()) !== pid2, 10000, 'child started by ^R');
  p.write('\x0c'); // ^L: logout
  await p.closed;
  assert.ok(alive(s.proc.child.pid!), 'server still running after a logout');
});

test('--killsig: the kill key sends that signal to the child\'s group; --coresize: the child\'s core file limit', async (t) => {
  const child = ['/bin/sh', '-c', 'grep "Max core" /proc/$$/limits; (trap \"\" HUP; exec sleep 1011) & echo "bg $!"; trap "echo got TERM; exit 3" TERM; echo "ready $$"; while :; do sleep 0.1; done'];
  const s = await serve(['--holdoff', '0', '--killsig', '15', '--coresize', '1048576'], child);
  t.after(() => s.stop());
  const p = await Peer.connect(s.sock, 100);
  t.after(() => p.close());
  await p.waitText(READY);
  assert.match(p.text(), /Max core file size\s+1048576\s+1048576\s+bytes/);
  const pid1 = readyPid(p.text());
  const bg = Number(/bg (\d+)/.exec(p.text())![1]);
  assert.ok(alive(bg));
  t.after(() => { try { process.kill(bg, 'SIGKILL'); } catch { /* gone, as it should be */ } });
  p.write('\x18'); // ^X: kill, with SIGTERM now: the child's trap runs
  await p.waitText(/\ngot TERM\r\n/);
  await p.waitText(`Received a sigChild for process ${pid1}. Normal exit status = 3`);
  // it ignores the HUP the pty's hangup brings: only a signal to the group ends it
  await waitFor(() => !alive(bg), 5000, 'the background sleep of the same group is gone too');
  await waitFor(() => readyPid(p.text()) !== pid1, 10000, 'restarted');
});

test('the child exits and is restarted after the holdoff; exit status is reported', async (t) => {
  const s = await serve(['--holdoff', '0']);
  t.after(() => s.stop());
  const p = await Peer.connect(s.sock, 100);
  t.after(() => p.close());
  await p.waitText(READY);
  p.write('quit 7\r');
  await p.waitText('Normal exit status = 7');
  await p.waitText('a new one will be restarted shortly');
  await p.waitText(/ready \d+[\s\S]*ready \d+/);
});

test('--oneshot: procserv exits with the child status, removing its socket and info file', async (t) => {
  const s = await serve(['--oneshot', '-I', 'info']);
  t.after(() => s.stop());
  const p = await Peer.connect(s.sock, 100);
  t.after(() => p.close());
  await p.waitText(READY);
  p.write('quit 42\r');
  const code = await new Promise<number | null>((r) => s.proc.child.once('exit', (c) => r(c)));
  assert.equal(code, 42);
  assert.equal(existsSync(s.sock), false);
  assert.equal(existsSync(join(s.dir, 'info')), false);
});

test('--noautorestart with -w: child starts only on ^R, ^Q quits the server with 0', async (t) => {
  const s = await serve(['-w', '--noautorestart']);
  t.after(() => s.stop());
  const p = await Peer.connect(s.sock);
  t.after(() => p.close());
  await p.waitText('is SHUT DOWN');
  assert.doesNotMatch(p.text(), /ready/);
  p.write('\x12');
  await p.waitText(READY);
  p.write('quit 0\r');
  await p.waitText('auto restart is disabled');
  p.write('\x11');
  const code = await new Promise<number | null>((r) => s.proc.child.once('exit', (c) => r(c)));
  assert.equal(code, 0);
});

test('SIGTERM: the child is killed, socket, pid and info files are removed, exit 0', async (t) => {
  const s = await serve(['-I', 'info', '-p', 'pid']);
  t.after(() => s.stop());
  const p = await Peer.connect(s.sock, 100);
  t.after(() => p.close());
  await p.waitText(READY);
  const child = readyPid(p.text());
  assert.equal(readFileSync(join(s.dir, 'pid'), 'utf8'), `${s.proc.child.pid}\n`);
  const exited = new Promise<number | null>((r) => s.proc.child.once('exit', (c) => r(c)));
  s.proc.child.kill('SIGTERM');
  assert.equal(await exited, 0);
  await waitFor(() => !alive(child), 10000, 'child gone');
  for (const f of ['console', 'info', 'pid']) assert.equal(existsSync(join(s.dir, f)), false, f);
});

test('log endpoint is read-only; logger counted; TCP control speaks telnet and is on loopback', async (t) => {
  const { dir, cleanup } = tempDir('svkit-procserv-');
  const log = join(dir, 'log.sock');
  const proc = start(ours('procserv'), ['-f', '-l', `unix:${log}`, '-P', '0', '-P', `unix:${join(dir, 'c')}`, '-I', join(dir, 'info'), fixture('procserv-echo')], { cwd: dir });
  t.after(async () => { await proc.stop(); cleanup(); });
  // -P 0 is refused (port out of range): usage error, exit 100
  const code = await new Promise<number | null>((r) => proc.child.once('exit', (c) => r(c)));
  assert.equal(code, 100);
  assert.match(proc.stderr(), /procserv: usage: bad endpoint 0/);

  const port = 20000 + (process.pid % 20000);
  const p2 = start(ours('procserv'), ['-f', '-l', `unix:${log}`, '-P', String(port), '-I', join(dir, 'info'), fixture('procserv-echo')], { cwd: dir });
  t.after(() => p2.stop());
  await waitFor(() => existsSync(join(dir, 'info')), 10000, 'info file');
  assert.equal(readFileSync(join(dir, 'info'), 'utf8'), `pid:${p2.child.pid}\ntcp:127.0.0.1:${port}\nunix:${log}\n`.replace(/(tcp:.*\n)(unix:.*\n)/, '$1$2'));
  const watcher = await Peer.connect(log);
  await watcher.waitText('procServ server PID');
  const user = await Peer.connect(port);
  t.after(() => { watcher.close(); user.close(); });
  await user.waitText('0 user(s) and 1 logger(s) connected (plus you)');
  assert.ok(user.text().startsWith('\xff\xfb\x01\xff\xfb\x03'), 'telnet WILL ECHO, WILL SGA first');
  watcher.write('from watcher\r');
  user.write('from user\r\n'); // telnet CR LF is one Enter
  await watcher.waitText('got: from user\r\n');
  assert.doesNotMatch(watcher.text(), /got: from watcher/);
  assert.doesNotMatch(watcher.text(), /Welcome/);
  assert.doesNotMatch(user.text(), /got: \r\n/, 'CR LF did not become two lines');
});

test('scrollback: a client asks for the last N lines', async (t) => {
  const s = await serve([]);
  t.after(() => s.stop());
  const a = await Peer.connect(s.sock, 100);
  t.after(() => a.close());
  await a.waitText(READY);
  for (const w of ['one', 'two', 'three']) {
    a.write(`${w}\r`);
    await a.waitText(`got: ${w}`);
  }
  const b = await Peer.connect(s.sock);
  t.after(() => b.close());
  b.write('\0svconsole replay=2\n');
  await b.waitText('@@@ End of scrollback');
  const replay = b.text().split('@@@ Replaying the last 2 line(s) of scrollback\r\n')[1]!.split('@@@ End of scrollback')[0]!;
  assert.equal(replay, 'three\r\ngot: three\r\n');
});

test('bad clients: vanish at once, send garbage and a huge paste, never read: the others go on', async (t) => {
  const s = await serve(['--client-buffer', '65536']);
  t.after(() => s.stop());
  const good = await Peer.connect(s.sock, 100);
  t.after(() => good.close());
  await good.waitText(READY);
  for (let i = 0; i < 20; i++) (await Peer.connect(s.sock)).close(); // connect and vanish
  const garbage = await Peer.connect(s.sock);
  garbage.write(Buffer.from([0, 0xff, 0xfa, 1, 2, 3, 0x0a, 0xff, 0xff, 0x1b, 0x5b]));
  garbage.write('\0'.repeat(1000));
  garbage.close();
  const paster = await Peer.connect(s.sock);
  paster.write(`${'p'.repeat(2 * 1024 * 1024)}\r`); // bigger than the pty can take at once
  await paster.waitText(/got: p+\r\n/, 30000); // the tty keeps the first 4095 bytes of the line
  const sleeper = await Peer.connect(s.sock);
  sleeper.socket.pause(); // never reads
  t.after(() => { paster.close(); sleeper.close(); });
  good.write('flood 20000000\r'); // 20 MB of output
  // the good client may itself have lost some of the burst (same policy): ping until it hears back
  let n = 0;
  await waitFor(() => {
    good.write(`ping ${++n}\r`);
    return /got: ping \d+/.test(good.text());
  }, 60000, 'console answering after the flood');
  assert.match(good.text(), /flood done|bytes of output dropped/);
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${s.proc.child.pid}/status`, 'utf8'))![1]);
  assert.ok(rss < 200 * 1024, `server memory bounded (VmRSS ${rss} kB)`);
  sleeper.socket.resume();
  await sleeper.waitText('bytes of output dropped (client too slow)', 30000);
  good.write('still here\r');
  await good.waitText('got: still here');
  await paster.waitText('got: still here');
});

test('usage errors exit 100; -V prints the version', async () => {
  const r = await run(ours('procserv'), []);
  assert.equal(r.code, 100);
  assert.match(r.stderr, /^procserv: usage: missing argument\n/);
  const r2 = await run(ours('procserv'), ['-f', '--bogus', '1', 'x']);
  assert.equal(r2.code, 100);
  assert.match(r2.stderr, /unknown option: --bogus/);
  const v = await run(ours('procserv'), ['-V']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /procserv .*procServ 2\.7/);
  const busy = tempDir('svkit-procserv-');
  const sock = join(busy.dir, 'c');
  const first = start(ours('procserv'), ['-f', `unix:${sock}`, fixture('procserv-echo')]);
  try {
    await waitFor(() => existsSync(sock), 10000, 'socket');
    const second = await run(ours('procserv'), ['-f', `unix:${sock}`, fixture('procserv-echo')]);
    assert.equal(second.code, 111);
    assert.match(second.stderr, /^procserv: fatal: unable to listen on unix:.*: address already used\n$/);
    assert.ok(existsSync(sock), 'the live socket was left alone');
  } finally {
    await first.stop();
    busy.cleanup();
  }
  void readOr;
});

test('a command that cannot run: fatal at once with the reason (procServ refuses it too); a bare name is found in PATH', async (t) => {
  const { dir, cleanup } = tempDir('svkit-procserv-');
  t.after(cleanup);
  const missing = await run(ours('procserv'), ['-f', `unix:${join(dir, 'c')}`, '/nonexistent/cmd'], { cwd: dir });
  assert.equal(missing.code, 111);
  assert.equal(missing.stderr, 'procserv: fatal: unable to run /nonexistent/cmd: file does not exist\n');
  assert.equal(existsSync(join(dir, 'c')), false, 'no console socket left behind');
  writeFileSync(join(dir, 'noexec'), '#!/bin/sh\n');
  const noexec = await run(ours('procserv'), ['-f', `unix:${join(dir, 'c')}`, './noexec'], { cwd: dir });
  assert.equal(noexec.code, 111);
  assert.equal(noexec.stderr, 'procserv: fatal: unable to run ./noexec: access denied\n');
  const inPath = await run(ours('procserv'), ['-f', '--oneshot', `unix:${join(dir, 'c')}`, 'sh', '-c', 'exit 3'], { cwd: dir });
  assert.equal(inPath.code, 3, inPath.stderr);
});

test('the program vanishes while procserv runs: clients and new banners say why the child is SHUT DOWN', async (t) => {
  const { dir, cleanup } = tempDir('svkit-procserv-');
  t.after(cleanup);
  const prog = join(dir, 'ioc');
  writeFileSync(prog, `#!/bin/sh\nexec ${fixture('procserv-echo')}\n`, { mode: 0o755 });
  const s = await serve(['--holdoff', '0'], [prog]);
  t.after(() => s.stop());
  const p = await Peer.connect(s.sock, 100);
  t.after(() => p.close());
  await p.waitText(READY);
  unlinkSync(prog);
  p.write('quit 0\r');
  await p.waitText(`@@@ Unable to start child "${prog}": ${prog}: file does not exist\r\n`);
  const late = await Peer.connect(s.sock);
  t.after(() => late.close());
  await late.waitText('(plus you)');
  assert.match(late.text(), new RegExp(`is SHUT DOWN\\r\\n@@@ Unable to start child ".*": ${prog}: file does not exist\\r\\n`));
  writeFileSync(prog, `#!/bin/sh\nexec ${fixture('procserv-echo')}\n`, { mode: 0o755 });
  await p.waitText(/ready \d+[\s\S]*ready \d+/, 20000); // retried (not in a busy loop: at most once a second)
});

test('a UNIX endpoint in a missing directory: the real reason', async () => {
  const r = await run(ours('procserv'), ['-f', 'unix:/nonexistent/dir/sock', fixture('procserv-echo')]);
  assert.equal(r.code, 111);
  assert.equal(r.stderr, 'procserv: fatal: unable to listen on unix:/nonexistent/dir/sock: file does not exist\n');
  const r2 = await run(ours('procserv'), ['-f', '-P', '127.0.0.1:1', '-P', `unix:${fixture('procserv-echo')}/sock`, fixture('procserv-echo')]);
  assert.equal(r2.code, 111);
  assert.match(r2.stderr, /^procserv: fatal: unable to listen on unix:.*procserv-echo\/sock: not a directory\n$/, 'names the endpoint that failed');
});

test('TCP: the attach request works as on UNIX sockets (telnet CR LF too); a telnet user who types ^@ first loses nothing', async (t) => {
  const s = await serveTcp(['--holdoff', '0']);
  t.after(() => s.stop());
  const writer = await Peer.connect(s.port, 100);
  t.after(() => writer.close());
  await writer.waitText(READY);
  writer.write('one\r\n');
  await writer.waitText('got: one');
  const watcher = await Peer.connect(s.port);
  t.after(() => watcher.close());
  watcher.write('\0svconsole replay=2 readonly\r\n'); // as a telnet-speaking client ends a line
  await watcher.waitText('@@@ End of scrollback');
  assert.match(watcher.text(), /@@@ Replaying the last 2 line\(s\) of scrollback\r\none\r\ngot: one\r\n@@@ End of scrollback/);
  const pid = readyPid(writer.text());
  watcher.write('typed by the watcher\r\n\x18\x14');
  writer.write('two\r\n');
  await watcher.waitText('got: two');
  const third = await Peer.connect(s.port);
  t.after(() => third.close());
  await third.waitText('(plus you)');
  assert.match(third.text(), /@@@ 1 user\(s\) and 1 logger\(s\) connected \(plus you\)/, 'a read-only client counts as a logger');
  writer.write('three\r\n');
  await writer.waitText('got: three');
  assert.doesNotMatch(writer.text(), /typed by the watcher|Toggled auto restart|Received a sigChild/);
  assert.ok(alive(pid), 'the watcher\'s kill key did nothing');
  const nul = await Peer.connect(s.port);
  t.after(() => nul.close());
  await nul.waitText('(plus you)');
  nul.write('\0hi there\r\n');
  await writer.waitText(/got: \x00?hi there\r\n/);
});

test('read-only request on a UNIX socket: typing and the kill, toggle and restart keys never reach the child', async (t) => {
  const s = await serve(['--holdoff', '0', '-w']);
  t.after(() => s.stop());
  const ro = await Peer.connect(s.sock);
  t.after(() => ro.close());
  await ro.waitText('is SHUT DOWN');
  // one write: by the time a new client's banner counts it as a logger, the keys have been seen too
  ro.write('\0svconsole readonly\n\x12\x18\x14\x11'); // ^R would start the child; kill, toggle, ^Q (quit while shut down)
  const rw = await Peer.connect(s.sock);
  t.after(() => rw.close());
  await rw.waitText('@@@ 0 user(s) and 1 logger(s) connected (plus you)');
  assert.match(rw.text(), /is SHUT DOWN/, 'the read-only ^R did not start the child');
  rw.write('\x12');
  await rw.waitText(READY);
  ro.write('from ro\r');
  rw.write('from rw\r');
  await ro.waitText('got: from rw');
  assert.doesNotMatch(ro.text(), /got: from ro|Toggled/);
  assert.ok(alive(s.proc.child.pid!), 'server still there after the read-only ^Q');
});

test('procserv -f started in the background of an interactive shell leaves the terminal alone (is not stopped)', { skip: !haveTool('/usr/bin/tmux', 'tmux') }, async (t) => {
  const { dir, cleanup } = tempDir('svkit-procserv-');
  t.after(cleanup);
  const sock = join(dir, 'console');
  const pane = TmuxPane.start('exec bash --norc -i', dir);
  t.after(() => pane.kill());
  pane.type(`${ours('procserv')} -f -I info unix:${sock} ${fixture('procserv-echo')} & echo "started $!"`);
  pane.keys('Enter');
  const pid = Number(/started (\d+)/.exec(await pane.wait(/started \d+/))![1]);
  t.after(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } });
  await waitFor(() => existsSync(sock), 10000, 'console socket');
  const p = await Peer.connect(sock);
  t.after(() => p.close());
  await p.waitText('@@@ 0 user(s) and 0 logger(s) connected (plus you)');
  p.write('still answering\r');
  await p.waitText('got: still answering');
  const state = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]![0];
  assert.notEqual(state, 'T', 'not stopped by SIGTTIN/SIGTTOU');
  process.kill(pid, 'SIGTERM');
  await waitFor(() => !alive(pid), 10000, 'procserv gone');
});
