/**
 * svca under attack from local clients (issue 20): what one client, one address and all clients
 * together can make it hold. Raw TCP clients against the real `bin/svca` over our svscan; svca's
 * memory is its VmRSS from /proc. Channels past the per-client cap get CREATE_CH_FAIL; silent
 * connections are closed after the handshake timeout and cannot lock a real client (pyepics) out;
 * one address full of busy circuits does not lock out another address; clients that never read
 * while monitors fire keep svca's memory bounded.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CMD, DEFAULT_LIMITS, encode } from '@svkit/ca';
import { ours, run, start, tempDir, waitFor } from '../helpers/proc.js';
import { makeService } from '../helpers/service-dir.js';
import { CaClient, freePort, havePyepics } from '../helpers/ca-client.js';

const MB = 1024 * 1024;

/** VmRSS of `pid`, bytes. */
function rss(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

/** A raw CA client that counts the replies it reads (or reads nothing when paused). */
class Raw {
  readonly sock: net.Socket;
  readonly counts = new Map<number, number>();
  closed = false;
  connected = false;
  private buf: Buffer = Buffer.alloc(0);

  constructor(port: number, opts: { localAddress?: string; paused?: boolean } = {}) {
    this.sock = net.connect({ port, host: '127.0.0.1', localAddress: opts.localAddress });
    this.sock.on('connect', () => (this.connected = true));
    this.sock.on('close', () => (this.closed = true));
    this.sock.on('error', () => undefined);
    if (opts.paused) {
      this.sock.pause();
      return;
    }
    this.sock.on('data', (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      let off = 0;
      while (this.buf.length - off >= 16) {
        let size = this.buf.readUInt16BE(off + 2);
        let hlen = 16;
        if (size === 0xffff) {
          if (this.buf.length - off < 24) break;
          size = this.buf.readUInt32BE(off + 16);
          hlen = 24;
        }
        if (this.buf.length - off < hlen + size) break;
        const cmd = this.buf.readUInt16BE(off);
        this.counts.set(cmd, (this.counts.get(cmd) ?? 0) + 1);
        off += hlen + size;
      }
      this.buf = this.buf.subarray(off);
    });
  }

  count(cmd: number): number {
    return this.counts.get(cmd) ?? 0;
  }

  /** The libca greeting and `n` CREATE_CHANs of `name` (cids 1..n). */
  hello(name?: string, n = 1): void {
    const parts = [
      encode(CMD.VERSION, 0, 13, 0, 0),
      encode(CMD.CLIENT_NAME, 0, 0, 0, 0, Buffer.from('mallory\0')),
      encode(CMD.HOST_NAME, 0, 0, 0, 0, Buffer.from('evil\0')),
    ];
    if (name) for (let i = 1; i <= n; i++) parts.push(encode(CMD.CREATE_CHAN, 0, 0, i, 13, Buffer.from(`${name}\0`)));
    this.sock.write(Buffer.concat(parts));
  }

  close(): void {
    this.sock.destroy();
  }
}

describe('svca bounds', () => {
  const { dir, cleanup } = tempDir('svca-bounds-');
  const scan = join(dir, 'service');
  let port = 0;
  let svscan: ReturnType<typeof start>;
  let svca: ReturnType<typeof start>;
  let pid = 0;
  const clients: Raw[] = [];
  const raw = (opts?: { localAddress?: string; paused?: boolean }): Raw => {
    const c = new Raw(port, opts);
    clients.push(c);
    return c;
  };
  const closeAll = async (): Promise<void> => {
    for (const c of clients.splice(0)) c.close();
  };

  before(async () => {
    mkdirSync(scan);
    makeService(scan, 'a', 'exec sleep 1000');
    svscan = start(ours('svscan'), [scan]);
    await waitFor(async () => (await run(ours('svstat'), [join(scan, 'a')])).stdout.includes('up (pid'), 20000, 'a up');
    port = await freePort();
    svca = start(ours('svca'), ['--port', String(port), '-p', 'TST', scan]);
    await waitFor(() => svca.stderr().includes('serving') || svca.child.exitCode !== null, 20000, 'svca start');
    assert.match(svca.stderr(), /serving TST:MAN:\*/);
    pid = svca.child.pid!;
  });

  after(async () => {
    await closeAll();
    await svca?.stop();
    await svscan?.stop();
    cleanup();
  });

  test('channels past the per-client cap get CREATE_CH_FAIL and svca stays small', async (t) => {
    t.after(closeAll);
    const before = rss(pid);
    const n = 100_000; // the attack: ~160 MB held by the old svca
    const c = raw();
    c.hello('TST:MAN:a_hb', n);
    await waitFor(() => c.count(CMD.CREATE_CHAN) + c.count(CMD.CREATE_CH_FAIL) === n || c.closed, 60000, 'all channel replies');
    assert.equal(c.count(CMD.CREATE_CHAN), DEFAULT_LIMITS.maxChannels);
    assert.equal(c.count(CMD.CREATE_CH_FAIL), n - DEFAULT_LIMITS.maxChannels);
    const grew = rss(pid) - before;
    assert.ok(grew < 80 * MB, `svca grew by ${(grew / MB).toFixed(1)} MB`);
    assert.match(svca.stderr(), /channel limit of 20000 per client reached/);
  });

  test('a silent connection is closed after the handshake timeout, so is one that only says VERSION', async (t) => {
    t.after(closeAll);
    const silent = raw();
    const versionOnly = raw();
    await waitFor(() => silent.connected && versionOnly.connected, 10000, 'connected');
    versionOnly.sock.write(encode(CMD.VERSION, 0, 13, 0, 0));
    await waitFor(() => silent.closed && versionOnly.closed, 6 * DEFAULT_LIMITS.handshakeMs, 'silent connections closed');
  });

  test('1100 silent connections do not lock out a real client (pyepics caget)', { skip: !havePyepics() }, async (t) => {
    t.after(closeAll);
    const silent: Raw[] = [];
    for (let i = 0; i < 1100; i++) silent.push(raw());
    await waitFor(() => silent.every((c) => c.connected || c.closed), 30000, 'silent connections made');
    const ca = new CaClient(port);
    t.after(() => ca.stop());
    const r = await ca.ok({ op: 'get', name: 'TST:MAN:a_control', form: 'string' }, 60000);
    assert.equal(r.value, 'Run');
    // the oldest silent ones made room; most are closed, none by a limit of its own address alone
    assert.ok(silent.filter((c) => c.closed).length >= 1100 - DEFAULT_LIMITS.maxCircuitsPerAddr);
  });

  test('one address full of busy circuits does not lock out a client from another address', async (t) => {
    t.after(closeAll);
    const busy: Raw[] = [];
    for (let i = 0; i < 1100; i++) {
      const c = raw({ localAddress: '127.0.0.2' });
      c.hello('TST:MAN:a_hb');
      busy.push(c);
    }
    await waitFor(() => busy.every((c) => c.count(CMD.CREATE_CHAN) === 1 || c.closed), 60000, 'busy circuits made');
    const held = busy.filter((c) => !c.closed).length;
    assert.equal(held, DEFAULT_LIMITS.maxCircuitsPerAddr);
    const other = raw();
    other.hello('TST:MAN:a_control');
    await waitFor(() => other.count(CMD.CREATE_CHAN) === 1 || other.closed, 20000, 'channel from 127.0.0.1');
    assert.equal(other.count(CMD.CREATE_CHAN), 1);
    assert.equal(busy.filter((c) => !c.closed).length, held);
  });

  test('clients that never read while monitors fire keep svca bounded', async (t) => {
    t.after(closeAll);
    const before = rss(pid);
    // 500 clients from two addresses, each with 20 monitors of DBR_STRING x 4096 (164 kB an
    // update) on the heartbeat, which changes every second; none reads a byte. The old svca
    // queued up to 1 MiB and a message for each (over 500 MB)
    const slow: Raw[] = [];
    const mask = Buffer.alloc(16);
    mask.writeUInt16BE(1, 12);
    for (let i = 0; i < 500; i++) {
      const c = raw({ paused: true, localAddress: i % 2 ? '127.0.0.3' : '127.0.0.4' });
      c.hello('TST:MAN:a_hb');
      const subs: Buffer[] = [];
      for (let s = 1; s <= 20; s++) subs.push(encode(CMD.EVENT_ADD, 0, 4096, 1, s, mask));
      c.sock.write(Buffer.concat(subs));
      slow.push(c);
    }
    let most = 0;
    for (let k = 0; k < 15; k++) {
      await new Promise((r) => setTimeout(r, 1000));
      most = Math.max(most, rss(pid) - before);
    }
    assert.ok(most < 250 * MB, `svca grew by ${(most / MB).toFixed(1)} MB`);
  });
});
