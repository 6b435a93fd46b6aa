/**
 * procserv's bounds (packages/procserv/src/limits.ts) against attackers: a stalled log reader while
 * a client types the toggle key a million times, a crowd of clients that never read while the child
 * floods, too many TCP connections from one user. The server's memory stays bounded and the
 * console goes on for everyone else.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, createReadStream, existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { pipe2 } from '@svkit/sys';
import { asUser, NOBODY } from '../helpers/as-user.js';
import { rssMb } from '../helpers/hostile-scan.js';
import { fixture, ours, tempDir, waitFor } from '../helpers/proc.js';
import { Peer, serve, serveTcp } from './console-peer.js';

const READY = /ready \d+\r\n/;

/** A console client that keeps only the last 64 KB it received (the attack sends it tens of MB). */
class TailClient {
  private tail = '';
  received = 0;
  constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.received += d.length;
      this.tail = (this.tail + d.toString('latin1')).slice(-65536);
    });
    socket.on('error', () => {});
  }

  /** Connects and asks for the scrollback (so that the child's first line is seen whenever it came). */
  static connect(path: string): Promise<TailClient> {
    return new Promise((res, rej) => {
      const s = net.connect(path);
      s.once('connect', () => { s.write('\0svconsole replay=100\n'); res(new TailClient(s)); });
      s.once('error', rej);
    });
  }

  text(): string {
    return this.tail;
  }
}

/** Sends `ping N` until the child's answer comes back (output may be dropped for a slow client: ask again). */
async function pingUntilAnswered(write: (s: string) => void, text: () => string, what: string, check?: () => void): Promise<void> {
  let n = 0;
  await waitFor(() => {
    check?.();
    write(`ping ${++n}\r`);
    return /got: ping \d+/.test(text());
  }, 90000, what);
}

test('two million ^T with a stalled -L - reader: procserv stays small, the console goes on, the log says what it dropped', async (t) => {
  const { dir, cleanup } = tempDir('svkit-procserv-');
  const sock = join(dir, 'console');
  const [r, w] = pipe2();
  // the log's reader: a pipe nobody reads until the end of the attack
  const proc = spawn(ours('procserv'), ['-f', '-L', '-', `unix:${sock}`, fixture('procserv-echo')], { cwd: dir, stdio: ['ignore', w, 'ignore'] });
  closeSync(w);
  const exited = new Promise<void>((res) => proc.once('exit', () => res()));
  let logReader: ReturnType<typeof createReadStream> | undefined;
  t.after(async () => {
    proc.kill('SIGKILL');
    await exited;
    if (logReader) logReader.destroy();
    else closeSync(r);
    cleanup();
  });
  await waitFor(() => existsSync(sock), 10000, 'console socket');
  const c = await TailClient.connect(sock);
  t.after(() => c.socket.destroy());
  await waitFor(() => READY.test(c.text()), 10000, 'child ready');
  const pid = proc.pid!;
  const before = rssMb(pid);
  // each ^T (one byte in) makes procserv say "@@@ Toggled auto restart to ON/OFF" (36 bytes) to the log
  const burst = Buffer.alloc(64 * 1024, 0x14);
  for (let i = 0; i < 32; i++) c.socket.write(burst); // 2 M toggles: 72 MB of messages for the stalled log
  const limit = before + 100;
  const bounded = (): void => assert.ok(rssMb(pid) < limit, `procserv VmRSS ${rssMb(pid).toFixed(0)} MB stays under ${limit.toFixed(0)} MB (was ${before.toFixed(0)} MB)`);
  // the child answers while the log reader is stalled: its pty is still drained
  await pingUntilAnswered((s) => c.socket.write(s), () => c.text(), 'the console answers while the log reader is stalled', bounded);
  bounded();
  // the reader comes back: it gets the kept part, a line saying how much was dropped, and what follows
  let log = '';
  logReader = createReadStream('', { fd: r });
  logReader.on('data', (d) => { log = (log + (d as Buffer).toString('latin1')).slice(-1024 * 1024); });
  await waitFor(() => /@@@ \d+ bytes of console output dropped \(log reader too slow\)\r\n/.test(log), 60000, 'the dropped-output line in the log');
  c.socket.write('after the stall\r');
  await waitFor(() => log.includes('got: after the stall'), 60000, 'the log going on after the stall');
});

test('150 clients that ask for 2 MB of scrollback each and never read, then a 50 MB flood: at most 64 connections, memory bounded, a reading client still served', async (t) => {
  const s = await serve(['-q', '--scrollback', '2097152', '--client-buffer', '2097152']);
  t.after(() => s.stop());
  const good = await Peer.connect(s.sock, 100);
  t.after(() => good.close());
  await good.waitText(READY);
  good.write('flood 2200000\r'); // fills the scrollback
  await good.waitText('flood done', 60000);
  const pid = s.proc.child.pid!;
  const before = rssMb(pid);
  const stalled: net.Socket[] = [];
  t.after(() => { for (const x of stalled) x.destroy(); });
  let refused = 0;
  let welcomed = 0;
  for (let i = 0; i < 150; i++) {
    const x = net.connect({ path: s.sock });
    x.on('error', () => {});
    let seen = '';
    x.on('data', (d: Buffer) => {
      if (seen === 'done') return;
      seen += d.toString('latin1');
      if (seen.includes('@@@ Too many connections (64)')) { refused++; seen = 'done'; }
      else if (seen.includes('Welcome to procServ')) { welcomed++; seen = 'done'; }
    });
    await new Promise((res) => x.once('connect', res));
    stalled.push(x);
  }
  await waitFor(() => refused + welcomed === 150, 30000, 'every connection answered');
  const limit = before + 100;
  const bounded = (): void => assert.ok(rssMb(pid) < limit, `procserv VmRSS ${rssMb(pid).toFixed(0)} MB stays under ${limit.toFixed(0)} MB (was ${before.toFixed(0)} MB)`);
  for (const x of stalled) {
    x.pause(); // from now on they read nothing
    x.write('\0svconsole replay=100000\n'); // each replay is a copy of the scrollback: 2 MB per client
  }
  good.write('ping 0\r');
  await good.waitText('got: ping 0'); // the server has read the requests before this
  bounded();
  good.write('flood 50000000\r');
  await waitFor(() => { bounded(); return /flood done|bytes of output dropped/.test(good.text()); }, 120000, 'the flood reaching the reading client');
  await pingUntilAnswered((x) => good.write(x), () => good.text(), 'the console answering the reading client after the flood', bounded);
  bounded();
  assert.equal(welcomed, 63, 'connections up to 64 (with the reading client) are served');
  assert.equal(refused, 150 - 63, 'the connections past 64 are refused');
});

test('TCP: 16 connections at once per local user; one user at the limit does not keep another one out', async (t) => {
  const s = await serveTcp(['-q']);
  t.after(() => s.stop());
  const mine: Peer[] = [];
  t.after(() => { for (const p of mine) p.close(); });
  for (let i = 0; i < 20; i++) mine.push(await Peer.connect(s.port));
  await waitFor(() => mine.every((p) => /Welcome to procServ|Too many connections/.test(p.text())), 30000, 'every connection answered');
  const refused = mine.filter((p) => p.text().includes('@@@ Too many connections from you (16)'));
  assert.equal(refused.length, 4, 'the connections past 16 of one user are refused');
  await waitFor(() => refused.every((p) => p.isClosed), 30000, 'refused connections closed');
  // another local user (same address, 127.0.0.1) still gets in
  const script = `const s=require('net').connect(${s.port},'127.0.0.1');let t='';s.on('data',d=>{t+=d.toString('latin1');if(/Welcome to procServ|Too many/.test(t)){console.log(t.includes('Welcome to procServ')?'IN':'REFUSED');process.exit(0)}});s.on('error',e=>{console.log(String(e));process.exit(1)})`;
  const other = await asUser(NOBODY, process.execPath, ['-e', script], { timeoutMs: 30000 });
  assert.equal(other.stdout.trim(), 'IN', `nobody's connection: ${other.stdout}${other.stderr}`);
  // a slot freed by one of the 16 is usable again
  const kept = mine.filter((p) => !refused.includes(p));
  kept[0]!.close();
  await kept[0]!.closed;
  await waitFor(async () => {
    const p = await Peer.connect(s.port);
    mine.push(p);
    await p.waitText(/Welcome to procServ|Too many connections/, 10000);
    return p.text().includes('Welcome to procServ');
  }, 30000, 'a connection admitted again after one of the 16 left');
});
