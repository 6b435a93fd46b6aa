/**
 * svca as EPICS clients see an IOC (issue 21): monitors publish only values the service went
 * through, DBR_STSACK_STRING and DBR_CLASS_NAME, NaN alarm limits, TAI64N timestamps that survive
 * a restart of svca, `Reset` read back as written. Real libca (pyepics) against svca, with our
 * supervise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ours, sleep, start, tempDir, waitFor } from '../helpers/proc.js';
import { makeService, rawStatus, superviseDir } from '../helpers/service-dir.js';
import { CaClient, freePort, havePyepics } from '../helpers/ca-client.js';

/** One supervised service `x` and svca serving it, with a pyepics client. */
async function setup(t: { after(fn: () => Promise<void> | void): void }): Promise<{ x: string; sv: ReturnType<typeof start>; ca: CaClient; port: number; scan: string; svca: () => ReturnType<typeof start> }> {
  const { dir, cleanup } = tempDir('svca-ioc-');
  const scan = join(dir, 'service');
  const x = makeService(scan, 'x', 'exec sleep 1000');
  const sv = superviseDir(t, x, cleanup);
  await waitFor(() => rawStatus(x).pid !== 0, 20000, 'x up');
  const port = await freePort();
  const svca = start(ours('svca'), ['--port', String(port), '-p', 'I', scan]);
  t.after(() => svca.stop());
  await waitFor(() => svca.stderr().includes('serving'), 20000, 'svca serving');
  const ca = new CaClient(port);
  t.after(() => ca.stop());
  return { x, sv, ca, port, scan, svca: () => svca };
}

test('after a caput to _control, a monitor sees only values the service went through', { skip: !havePyepics() }, async (t) => {
  const { x, sv, ca } = await setup(t);
  const name = 'I:MAN:x_control';
  await ca.ok({ op: 'monitor', name });
  const seen = (): string[] => ca.eventsOf(name).filter((e) => e.event === 'value').map((e) => e.char_value as string);
  await waitFor(() => seen().length === 1, 20000, 'first monitor update');
  const pid = sv.child.pid!;
  const writes = ['Stop', 'Run', 'Stop', 'Run'];
  for (const v of writes) {
    // the supervisor is slow to act (stopped for a moment: busy, swapped out): the letters wait in
    // supervise/control, and until it acts the service still holds the old value
    process.kill(pid, 'SIGSTOP');
    try {
      await ca.ok({ op: 'put', name, value: v, wait: true });
      await sleep(300);
      assert.equal(seen().at(-1), v === 'Stop' ? 'Run' : 'Stop', `${v} published before supervise acted: ${seen().join(' ')}`);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await waitFor(() => rawStatus(x).want === (v === 'Stop' ? 0x64 : 0x75), 20000, `want after ${v}`);
    await waitFor(() => seen().at(-1) === v, 20000, `${v} on the monitor`);
  }
  await sleep(300);
  assert.deepEqual(seen(), ['Run', ...writes]);
});

/** One element of DBR type `ftype` of `name` as libca hands it over (host byte order). */
async function raw(ca: CaClient, name: string, ftype: number): Promise<Buffer> {
  const r = await ca.ok({ op: 'raw', name, ftype });
  assert.deepEqual([r.ret, r.pend], [1, 1], `type ${ftype} of ${name}: ECA ${r.ret}/${r.pend} (stderr: ${ca.stderr.slice(-300)})`);
  return Buffer.from(r.hex as string, 'hex');
}

test('DOUBLE and FLOAT GR/CTRL forms: alarm limits NaN (none set), as an IOC gives them', { skip: !havePyepics() }, async (t) => {
  const { ca } = await setup(t);
  for (const pv of ['I:MAN:x_control', 'I:MAN:x_hb', 'I:MAN:x_status']) {
    // GR_FLOAT, GR_DOUBLE, CTRL_FLOAT, CTRL_DOUBLE: after status, severity, precision, pad and
    // units come upper/lower display limit, then upper alarm, upper warning, lower warning, lower alarm
    for (const [ftype, size] of [[23, 4], [27, 8], [30, 4], [34, 8]] as const) {
      const b = await raw(ca, pv, ftype);
      const at = (i: number): number => (size === 4 ? b.readFloatLE(16 + i * 4) : b.readDoubleLE(16 + i * 8));
      assert.deepEqual([at(0), at(1)], [0, 0], `${pv} type ${ftype} display limits`);
      for (let i = 2; i < 6; i++) assert.ok(Number.isNaN(at(i)), `${pv} type ${ftype} alarm limit ${i - 2}: ${at(i)}`);
    }
  }
});

test('DBR_STSACK_STRING (alarm handlers) and DBR_CLASS_NAME are answered as an IOC answers them', { skip: !havePyepics() }, async (t) => {
  const { ca } = await setup(t);
  const want: Record<string, [string, RegExp]> = {
    'I:MAN:x_control': ['mbbo', /^Run$/], 'I:MAN:all': ['mbbo', /^Run$/], 'I:MAN:x_status': ['mbbi', /^up$/],
    'I:MAN:x_ready': ['mbbi', /^yes$/], 'I:MAN:x_hb': ['longin', /^\d+$/], 'I:MAN:x_pid': ['longin', /^[1-9]\d*$/],
  };
  for (const [pv, [cls, value]] of Object.entries(want)) {
    // dbr_stsack_string: status, severity, ackt, acks (u16 each), then the value as a string
    const s = await raw(ca, pv, 37);
    const text = s.toString('latin1', 8, 48).split('\0')[0]!;
    assert.deepEqual([s.readUInt16LE(0), s.readUInt16LE(2), s.readUInt16LE(4), s.readUInt16LE(6)], [0, 0, 0, 0], `${pv} STSACK`);
    assert.match(text, value, `${pv} STSACK value`);
    const c = await raw(ca, pv, 38);
    assert.equal(c.toString('latin1', 0, 40).split('\0')[0], cls, `${pv} CLASS_NAME`);
  }
});

test('Reset reads back as Reset once the service restarted (as an mbbo holds it); Stop and Run after it as usual', { skip: !havePyepics() }, async (t) => {
  const { x, ca } = await setup(t);
  const name = 'I:MAN:x_control';
  await ca.ok({ op: 'monitor', name });
  const seen = (): string[] => ca.eventsOf(name).filter((e) => e.event === 'value').map((e) => e.char_value as string);
  await waitFor(() => seen().length === 1, 20000, 'first monitor update');
  const get = async (): Promise<string> => (await ca.ok({ op: 'get', name, form: 'time_string' })).value as string; // as caget
  const pid = rawStatus(x).pid;
  await ca.ok({ op: 'put', name, value: 'Reset', wait: true });
  await waitFor(() => { const p = rawStatus(x).pid; return p !== 0 && p !== pid; }, 20000, 'restarted by Reset');
  await waitFor(async () => (await get()) === 'Reset', 20000, `Reset read back (monitor: ${seen().join(' ')})`);
  await ca.ok({ op: 'put', name, value: 'Stop', wait: true });
  await waitFor(async () => (await get()) === 'Stop', 20000, 'Stop read back');
  // from down: Reset starts the service, and reads back as Reset
  await ca.ok({ op: 'put', name, value: 'Reset', wait: true });
  await waitFor(() => rawStatus(x).pid !== 0, 20000, 'started by Reset');
  await waitFor(async () => (await get()) === 'Reset', 20000, 'Reset read back after a start');
  await ca.ok({ op: 'put', name, value: 'Run', wait: true });
  await waitFor(async () => (await get()) === 'Run', 20000, 'Run read back');
  await sleep(300);
  assert.deepEqual(seen(), ['Run', 'Reset', 'Stop', 'Reset', 'Run']);
});

test('timestamps are the status file\'s TAI64N stamp, to the nanosecond, and a restart of svca keeps them', { skip: !havePyepics() }, async (t) => {
  const { x, ca, port, scan, svca } = await setup(t);
  const st = rawStatus(x);
  // TAI64N label to EPICS time: TAI64 = 2^62 + 10 + unix seconds; EPICS seconds = unix - 631152000
  const want = [Number(st.tai - (1n << 62n) - 10n) - 631152000, st.nsec];
  const stamps = async (client: CaClient): Promise<Record<string, number[]>> => {
    const out: Record<string, number[]> = {};
    for (const [pv, ftype] of [['control', 17], ['status', 17], ['pid', 19], ['restarts', 19], ['last_exit', 19], ['ready', 17]] as const) {
      const b = await raw(client, `I:MAN:x_${pv}`, ftype); // DBR_TIME_ENUM / DBR_TIME_LONG: secPastEpoch @4, nsec @8
      out[pv] = [b.readUInt32LE(4), b.readUInt32LE(8)];
    }
    return out;
  };
  const before = await stamps(ca);
  for (const [pv, s] of Object.entries(before)) assert.deepEqual(s, want, `${pv}: the status file's stamp`);
  // svca restarted: the same times
  await ca.stop();
  await svca().stop();
  await sleep(1100); // a second later: a time taken at start would differ
  const again = start(ours('svca'), ['--port', String(port), '-p', 'I', scan]);
  t.after(() => again.stop());
  await waitFor(() => again.stderr().includes('serving') || again.child.exitCode !== null, 20000, 'second svca');
  assert.equal(again.child.exitCode, null, again.stderr());
  const ca2 = new CaClient(port);
  t.after(() => ca2.stop());
  assert.deepEqual(await stamps(ca2), before);
  // a change while svca runs: the stop's stamp for pid; the wish's change (no start or stop) is
  // stamped when the supervisor wrote it, before the exit
  await ca2.ok({ op: 'put', name: 'I:MAN:x_control', value: 'Stop', wait: true });
  await waitFor(() => rawStatus(x).pid === 0, 20000, 'x down');
  await waitFor(async () => (await ca2.ok({ op: 'get', name: 'I:MAN:x_pid' })).value === 0, 20000, 'pid 0');
  const down = rawStatus(x);
  const after = await stamps(ca2);
  assert.deepEqual(after.pid, [Number(down.tai - (1n << 62n) - 10n) - 631152000, down.nsec]);
  const ns = (s: number[]): bigint => BigInt(s[0]!) * 1_000_000_000n + BigInt(s[1]!);
  assert.ok(ns(after.control!) > ns(before.control!) && ns(after.control!) <= ns(after.pid!), `control stamp ${after.control} between ${before.control} and ${after.pid}`);
});
