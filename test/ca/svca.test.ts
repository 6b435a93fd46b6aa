/**
 * svca against a real Channel Access client (Debian's python3-pyepics, i.e. EPICS' libca) and
 * real services under our svscan: every PV in every form, caput changing svstat, monitors,
 * services appearing and going, `all`, a restarted server found again, fuzz, access control.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, ours, run, start, tempDir, waitFor, alive } from '../helpers/proc.js';
import { makeService } from '../helpers/service-dir.js';
import { CaClient, freePort, havePyepics } from '../helpers/ca-client.js';

const svstat = async (dir: string): Promise<string> => (await run(ours('svstat'), [dir])).stdout;
const pidOf = async (dir: string): Promise<number> => Number(/\(pid (\d+)\)/.exec(await svstat(dir))?.[1] ?? 0);

/** Starts svca on `port` for `scan` and waits until it serves. */
async function startSvca(port: number, scan: string, extra: string[] = []): Promise<ReturnType<typeof start>> {
  const p = start(ours('svca'), ['--port', String(port), '-p', 'TST', scan, ...extra]);
  await waitFor(() => p.stderr().includes('serving') || p.child.exitCode !== null, 20000, 'svca start');
  assert.match(p.stderr(), /svca: info: serving TST:MAN:\* on 127\.0\.0\.1 port \d+/);
  return p;
}

describe('svca with pyepics', { skip: !havePyepics() }, () => {
  const { dir, cleanup } = tempDir('svca-');
  const scan = join(dir, 'service');
  let port = 0;
  let svscan: ReturnType<typeof start>;
  let svca: ReturnType<typeof start>;
  let ca: CaClient;

  before(async () => {
    mkdirSync(scan);
    makeService(scan, 'a', 'exec sleep 1000');
    makeService(scan, 'b', 'exec sleep 1000', { down: '' });
    makeService(scan, 'c', 'exit 3', { 'max-quick-deaths': '1' });
    svscan = start(ours('svscan'), [scan]);
    await waitFor(async () => (await svstat(join(scan, 'a'))).includes('up (pid'), 20000, 'a up');
    port = await freePort();
    svca = await startSvca(port, scan);
    ca = new CaClient(port);
  });

  after(async () => {
    await ca?.stop();
    await svca?.stop();
    await svscan?.stop();
    cleanup();
  });

  test('caget of every PV with native, string, STS, TIME and CTRL types', async () => {
    const a = join(scan, 'a');
    const pid = await pidOf(a);
    const get = (name: string, form: string): Promise<Record<string, any>> => ca.ok({ op: 'get', name: `TST:MAN:${name}`, form });
    const want: Record<string, [unknown, string]> = {
      a_control: [1, 'Run'], a_status: [2, 'up'], a_pid: [pid, String(pid)], a_restarts: [0, '0'],
      a_last_exit: [-1, '-1'], a_ready: [1, 'yes'], b_control: [0, 'Stop'], b_status: [0, 'down'], b_pid: [0, '0'],
      b_uptime: [0, '0'], b_ready: [0, 'no'], all: [1, 'Run'],
    };
    for (const [name, [value, text]] of Object.entries(want)) {
      assert.equal((await get(name, 'native')).value, value, `${name} native`);
      assert.equal((await get(name, 'string')).value, text, `${name} as string`);
      const sts = await get(name, 'sts');
      assert.deepEqual([sts.value, sts.status, sts.severity], [value, 0, 0], `${name} STS`);
      const time = await get(name, 'time');
      assert.equal(time.value, value, `${name} TIME`);
      assert.ok(time.timestamp > 1.6e9 && time.timestamp < Date.now() / 1000 + 5, `${name} timestamp ${time.timestamp}`);
      const ctrl = await get(name, 'ctrl');
      assert.equal(ctrl.value, value, `${name} CTRL`);
      const ts = await get(name, 'time_string'); // what catools' caget asks for an enum
      assert.deepEqual([ts.value, ts.severity], [text, 0], `${name} TIME_STRING`);
      assert.ok(Math.abs(ts.timestamp - time.timestamp) < 1e-3 || ts.timestamp >= time.timestamp, `${name} TIME_STRING timestamp`);
    }
    const gr = await get('a_control', 'gr'); // caput reads DBR_GR_ENUM first
    assert.deepEqual([gr.value, gr.enum_strs], [1, ['Stop', 'Run', 'Reset']]);
    assert.deepEqual([(await get('a_hb', 'gr')).units], ['s']);
    assert.deepEqual((await get('a_control', 'ctrl')).enum_strs, ['Stop', 'Run', 'Reset']);
    assert.deepEqual((await get('all', 'ctrl')).enum_strs, ['Stop', 'Run', 'Reset']);
    assert.deepEqual((await get('a_status', 'ctrl')).enum_strs, ['down', 'starting', 'up', 'stopping', 'finishing', 'gave up']);
    assert.deepEqual((await get('a_ready', 'ctrl')).enum_strs, ['no', 'yes']);
    assert.equal((await get('a_hb', 'ctrl')).units, 's');
    assert.equal((await get('a_uptime', 'ctrl')).units, 's');
    for (const n of ['a_hb', 'a_uptime']) assert.ok((await get(n, 'native')).value >= 0);
    // the heartbeat ticks while the supervisor is alive
    const hb = (await get('a_hb', 'native')).value as number;
    await waitFor(async () => (await get('a_hb', 'native')).value > hb, 20000, 'heartbeat tick');
    // access rights: _control and all are writable, the rest read-only
    assert.equal((await ca.ok({ op: 'info', name: 'TST:MAN:a_control' })).access, 'read/write');
    assert.equal((await ca.ok({ op: 'info', name: 'TST:MAN:a_pid' })).access, 'read-only');
  });

  test('_status is MAJOR when the service should be up and is not (c gave up after exit 3)', async () => {
    const get = (name: string, form: string): Promise<Record<string, any>> => ca.ok({ op: 'get', name: `TST:MAN:${name}`, form });
    await waitFor(async () => (await get('c_status', 'string')).value === 'gave up', 20000, 'c gave up');
    const sts = await get('c_status', 'sts');
    assert.deepEqual([sts.value, sts.status, sts.severity], [5, 7, 2]); // gave up, STATE, MAJOR
    assert.equal((await get('c_last_exit', 'native')).value, 3);
    assert.equal((await get('c_control', 'string')).value, 'Run');
  });

  test('caput of 0/1/2 and of the labels changes svstat', async () => {
    const a = join(scan, 'a');
    const put = (value: unknown, wait = true): Promise<Record<string, any>> => ca.ok({ op: 'put', name: 'TST:MAN:a_control', value, wait });
    await put(0);
    await waitFor(async () => /: down \d+ seconds, normally up\n/.test(await svstat(a)), 10000, 'a down after Stop (0)');
    await put(1);
    await waitFor(async () => (await svstat(a)).includes(': up (pid'), 10000, 'a up after Run (1)');
    let pid = await pidOf(a);
    await put(2);
    await waitFor(async () => { const p = await pidOf(a); return p !== 0 && p !== pid; }, 10000, 'a restarted after Reset (2)');
    await ca.ok({ op: 'put', name: 'TST:MAN:a_control', value: 'Stop', string: true }); // DBR_STRING, as catools' caput
    await waitFor(async () => /: down /.test(await svstat(a)), 10000, 'a down after Stop label');
    await ca.ok({ op: 'put', name: 'TST:MAN:a_control', value: '1', string: true }); // a number as DBR_STRING
    await waitFor(async () => (await svstat(a)).includes(': up (pid'), 10000, 'a up after "1"');
    await put('Stop', false);
    await waitFor(async () => /: down /.test(await svstat(a)), 10000, 'a down after Stop label through WRITE');
    await put('Run');
    await waitFor(async () => (await svstat(a)).includes(': up (pid'), 10000, 'a up after Run label');
    pid = await pidOf(a);
    await put('Reset');
    await waitFor(async () => { const p = await pidOf(a); return p !== 0 && p !== pid; }, 10000, 'a restarted after Reset label');
    // reading _control gives the current want; a confirmed Reset reads back as Reset (as an mbbo)
    await waitFor(async () => (await ca.ok({ op: 'get', name: 'TST:MAN:a_control', form: 'string' })).value === 'Reset', 10000, 'Reset read back');
    await run(ours('svc'), ['-d', a]);
    await waitFor(async () => (await ca.ok({ op: 'get', name: 'TST:MAN:a_control', form: 'string' })).value === 'Stop', 10000, 'want down read back');
    await run(ours('svc'), ['-u', a]);
    await waitFor(async () => (await svstat(a)).includes(': up (pid'), 10000, 'a up again');
  });

  test('a monitor sees up -> down -> up', async () => {
    const a = join(scan, 'a');
    const name = 'TST:MAN:a_status';
    await ca.ok({ op: 'monitor', name });
    const seen = (): string[] => ca.eventsOf(name).filter((e) => e.event === 'value').map((e) => e.char_value as string);
    await waitFor(() => seen().includes('up'), 10000, 'first monitor value');
    await run(ours('svc'), ['-d', a]);
    await waitFor(() => seen().includes('down'), 10000, 'down seen');
    await run(ours('svc'), ['-u', a]);
    await waitFor(() => seen().lastIndexOf('up') > seen().indexOf('down'), 10000, 'up again seen');
  });

  test('all writes to every normally-up service, not to a normally-down one', async () => {
    const a = join(scan, 'a');
    const b = join(scan, 'b');
    await run(ours('svc'), ['-u', b]);
    await waitFor(async () => (await svstat(b)).includes(': up (pid'), 10000, 'b up');
    await ca.ok({ op: 'put', name: 'TST:MAN:all', value: 0, wait: true });
    await waitFor(async () => /: down /.test(await svstat(a)), 10000, 'a down after all Stop');
    assert.match(await svstat(b), /: up \(pid/);
    await waitFor(async () => (await ca.ok({ op: 'get', name: 'TST:MAN:all', form: 'string' })).value === 'Stop', 10000, 'all reads Stop');
    await ca.ok({ op: 'put', name: 'TST:MAN:all', value: 'Run', wait: true });
    await waitFor(async () => (await svstat(a)).includes(': up (pid'), 10000, 'a up after all Run');
    await run(ours('svc'), ['-d', b]);
  });

  test('a new service gets PVs; a removed one disconnects its channels', async () => {
    const tmp = join(dir, 'd.new');
    makeService(dir, 'd.new', 'exec sleep 1000');
    renameSync(tmp, join(scan, 'd'));
    const d = join(scan, 'd');
    await waitFor(async () => (await svstat(d)).includes(': up (pid'), 20000, 'd up');
    const pid = await pidOf(d);
    await waitFor(async () => (await ca.call({ op: 'get', name: 'TST:MAN:d_pid' })).value === pid, 20000, 'd_pid served');
    const name = 'TST:MAN:d_status';
    await ca.ok({ op: 'monitor', name });
    await waitFor(() => ca.eventsOf(name).some((e) => e.event === 'value'), 10000, 'd monitored');
    await run(ours('svc'), ['-dx', d]);
    await waitFor(async () => !alive(pid), 10000, 'd stopped');
    renameSync(d, join(dir, 'd.gone')); // out of the scan directory
    await waitFor(() => ca.eventsOf(name).some((e) => e.event === 'conn' && e.conn === false), 20000, 'd_status disconnected');
    const r = await ca.call({ op: 'get', name: 'TST:MAN:d_pid' });
    assert.equal(r.ok, false);
  });

  test('random bytes at both ports leave the server serving (and other circuits open)', async () => {
    const name = 'TST:MAN:a_pid';
    await ca.ok({ op: 'monitor', name });
    await waitFor(() => ca.eventsOf(name).some((e) => e.event === 'value'), 10000, 'a_pid monitored');
    const u = dgram.createSocket('udp4');
    for (let i = 0; i < 300; i++) {
      const b = randomBytes(2 + (i % 200));
      if (i % 3 === 0) b.writeUInt16BE(6, 0); // a SEARCH-looking header with a random size
      await new Promise((r) => u.send(b, port, '127.0.0.1', r));
    }
    u.close();
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((res) => {
        const s = net.connect(port, '127.0.0.1', () => {
          const b = randomBytes(64 + i * 50);
          if (i % 2) b.writeUInt16BE(18, 0); // CREATE_CHAN with garbage sizes
          s.end(b);
        });
        s.on('error', () => res());
        s.on('close', () => res());
        s.resume();
      });
    }
    assert.equal(svca.child.exitCode, null);
    assert.match(String((await ca.ok({ op: 'get', name: 'TST:MAN:b_status', form: 'string' })).value), /^(down|up)$/);
    assert.ok(!ca.eventsOf(name).some((e) => e.event === 'conn' && e.conn === false), 'the monitor circuit stayed connected');
  });

  test('a restarted server is found again by a running client', async () => {
    const name = 'TST:MAN:a_uptime';
    await ca.ok({ op: 'monitor', name });
    await waitFor(() => ca.eventsOf(name).some((e) => e.event === 'value'), 10000, 'a_uptime monitored');
    await svca.stop();
    await waitFor(() => ca.eventsOf(name).some((e) => e.event === 'conn' && e.conn === false), 20000, 'disconnect seen');
    const before = ca.eventsOf(name).length;
    svca = await startSvca(port, scan);
    await waitFor(() => ca.eventsOf(name).slice(before).some((e) => e.event === 'conn' && e.conn === true), 60000, 'reconnect seen');
    await waitFor(() => ca.eventsOf(name).slice(before).some((e) => e.event === 'value'), 20000, 'values again');
  });

  test('several scan directories (e.g. pmtr\'s job directories beside svscan\'s): the first holding a name wins', async (t) => {
    const scan2 = join(dir, 'second');
    mkdirSync(scan2);
    makeService(scan2, 'e', 'exec sleep 1000');
    makeService(scan2, 'a', 'exec sleep 1000');
    const sv2 = start(ours('svscan'), [scan2]);
    t.after(() => sv2.stop());
    await waitFor(async () => (await svstat(join(scan2, 'e'))).includes('up (pid') && (await svstat(join(scan2, 'a'))).includes('up (pid'), 20000, 'second scan up');
    const p2 = await freePort();
    const s = await startSvca(p2, scan, [scan2]);
    t.after(() => s.stop());
    const c = new CaClient(p2);
    t.after(() => c.stop());
    assert.equal((await c.ok({ op: 'get', name: 'TST:MAN:e_pid' })).value, await pidOf(join(scan2, 'e')));
    assert.equal((await c.ok({ op: 'get', name: 'TST:MAN:a_pid' })).value, await pidOf(join(scan, 'a')));
  });

  test('read-only mode and write lists by user and host', async () => {
    const check = async (args: string[], access: string): Promise<void> => {
      const p2 = await freePort();
      const s = await startSvca(p2, scan, args);
      const c = new CaClient(p2);
      try {
        assert.equal((await c.ok({ op: 'info', name: 'TST:MAN:a_control' })).access, access, args.join(' '));
        if (access === 'read-only') {
          const r = await c.call({ op: 'put', name: 'TST:MAN:a_control', value: 0, wait: true });
          assert.equal(r.ok, false, 'put refused');
          assert.match(await svstat(join(scan, 'a')), /: up \(pid/);
        }
      } finally {
        await c.stop();
        await s.stop();
      }
    };
    await check(['--read-only'], 'read-only');
    await check(['--write-users', 'nobody,operator'], 'read-only');
    await check(['--write-hosts', 'some-other-host'], 'read-only');
    await check(['--write-users', `${process.env.USER ?? 'root'},operator`, '--write-hosts', '127.0.0.1'], 'read/write');
  });
});

test('service-examples/ca serves the PVs of the example services under svscan (npm start)', { skip: !havePyepics() }, async (t) => {
  const { dir, cleanup } = tempDir('svca-examples-');
  const scan = join(dir, 'service-examples');
  cpSync(join(ROOT, 'service-examples'), scan, { recursive: true, filter: (src) => !/\/(supervise|main)$/.test(src) });
  const port = await freePort();
  const env = { ...process.env, PATH: `${join(ROOT, 'bin')}:${process.env.PATH}`, EPICS_CAS_SERVER_PORT: String(port) };
  const svscan = start(ours('svscan'), [scan], { env });
  const ca = new CaClient(port);
  t.after(async () => {
    await ca.stop();
    await svscan.stop();
    cleanup();
  });
  await waitFor(async () => (await ca.call({ op: 'get', name: 'SVKIT:MAN:hello_status', form: 'string' }, 60000)).value === 'up', 60000, 'hello up over CA');
  assert.equal((await ca.ok({ op: 'get', name: 'SVKIT:MAN:ca_status', form: 'string' })).value, 'up');
  // template instances (ioc@alpha): `@` is written `-` in the PV name
  await waitFor(async () => (await ca.call({ op: 'get', name: 'SVKIT:MAN:ioc-alpha_status', form: 'string' }, 60000)).value === 'up', 60000, 'ioc@alpha up over CA');
  assert.equal((await ca.ok({ op: 'get', name: 'SVKIT:MAN:hello_control', form: 'string' })).value, 'Run');
  // `all` leaves the CA server's own service alone
  await ca.ok({ op: 'put', name: 'SVKIT:MAN:all', value: 'Stop', wait: true });
  await waitFor(async () => / down /.test((await run(ours('svstat'), [join(scan, 'hello')])).stdout), 20000, 'hello down');
  assert.match((await run(ours('svstat'), [join(scan, 'ca')])).stdout, /: up \(pid/);
  assert.equal((await ca.ok({ op: 'get', name: 'SVKIT:MAN:ca_control', form: 'string' })).value, 'Run');
});

describe('svca command line', () => {
  test('usage errors exit 100; --help exits 0', async () => {
    let r = await run(ours('svca'), ['--port', 'x']);
    assert.equal(r.code, 100);
    assert.match(r.stderr, /^svca: usage: option '--port <port>' argument 'x' is invalid/);
    r = await run(ours('svca'), [], { env: { ...process.env, EPICS_CAS_SERVER_PORT: 'abc' } });
    assert.equal(r.code, 100);
    assert.match(r.stderr, /^svca: usage: bad port/);
    r = await run(ours('svca'), ['--interfaces', '0.0.0.0', '--port', '0']);
    assert.equal(r.code, 100);
    assert.match(r.stderr, /svca: usage: refusing to listen on 0\.0\.0\.0 with writes open to anyone/);
    r = await run(ours('svca'), ['-p', 'bad prefix']);
    assert.equal(r.code, 100);
    r = await run(ours('svca'), ['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--prefix/);
  });

  test('EPICS_CAS_SERVER_PORT and EPICS_CAS_INTF_ADDR_LIST; beacons go to the beacon list with our port, doubling', async (t) => {
    const { dir, cleanup } = tempDir('svca-');
    t.after(cleanup);
    const rx = dgram.createSocket('udp4');
    t.after(() => rx.close());
    const beacons: Buffer[] = [];
    rx.on('message', (m) => beacons.push(m));
    await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
    const bport = (rx.address() as net.AddressInfo).port;
    const port = await freePort();
    const env = { ...process.env, EPICS_CAS_SERVER_PORT: String(port), EPICS_CAS_INTF_ADDR_LIST: '127.0.0.1', EPICS_CAS_BEACON_ADDR_LIST: `127.0.0.1:${bport}`, EPICS_CAS_AUTO_BEACON_ADDR_LIST: 'NO' };
    const p = start(ours('svca'), [dir], { env });
    t.after(() => p.stop());
    await waitFor(() => p.stderr().includes(`on 127.0.0.1 port ${port}`), 20000, 'svca on the env port');
    await waitFor(() => beacons.length >= 4, 20000, 'four beacons');
    const ids = beacons.map((b) => b.readUInt32BE(8));
    for (const b of beacons) {
      assert.deepEqual([b.length, b.readUInt16BE(0), b.readUInt16BE(4), b.readUInt16BE(6), b.readUInt32BE(12)], [16, 13, 13, port, 0x7f000001]);
    }
    assert.deepEqual(ids.slice(0, 4), [0, 1, 2, 3]);
  });

  test('a port in use is a temporary failure (111)', async () => {
    const s = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => s.once('listening', r));
    const port = (s.address() as net.AddressInfo).port;
    const r = await run(ours('svca'), ['--port', String(port), '.']);
    s.close();
    assert.equal(r.code, 111);
    assert.match(r.stderr, /^svca: fatal: unable to listen on 127\.0\.0\.1 port \d+: address already used\n$/);
  });
});
