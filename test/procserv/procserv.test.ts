/** procserv as a whole: the seed's procServ line, clients, control keys, files, exit paths, bad clients. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { alive, fixture, ours, run, start, tempDir, waitFor } from '../helpers/proc.js';
import { Peer, readOr, readyPid, serve } from './console-peer.js';

const SEED = ['-L', '-', '-i', '^D^C', '-n', 'ioc1', '-x', '^X', '-k', '^T'];

test('the seed line: banner, input echoed and answered, ^D^C dropped, console log on stdout', async (t) => {
  const s = await serve([...SEED, '-I', 'info']);
  t.after(() => s.stop());
  const p = await Peer.connect(s.sock, 100);
  t.after(() => p.close());
  await p.waitText('ready ');
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
  await p.waitText('ready ');
  const pid1 = readyPid(p.text());
  p.write('\x18'); // ^X: kill
  await p.waitText(`Received a sigChild for process ${pid1}. The process was killed by signal 9`);
  await p.waitText(/ready (\d+)[\s\S]*ready (\d+)/);
  const pid2 = readyPid(p.text());
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
  await p.waitText('ready ');
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
  await p.waitText('ready ');
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
  await p.waitText('ready ');
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
  await p.waitText('ready ');
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
  await p.waitText('ready ');
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
  await a.waitText('ready ');
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
  await good.waitText('ready ');
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
