/**
 * `report to udp://HOST:PORT@IFACE`: reports go out through IFACE with its address in the header;
 * a bad interface is a config error with pmtr's text. Each test runs in a new network namespace
 * (`unshare --net`) with its own veth interfaces and namespace-internal addresses only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { haveTool, ours, run, start, tempDir, waitFor } from '../helpers/proc.js';

const IP = '/usr/sbin/ip';
const UNSHARE = '/usr/bin/unshare';
const SOCAT = '/usr/bin/socat';

/**
 * `unshare --net sh -c SETUP; exec CMD...`: SETUP (ip commands) builds the namespace's interfaces,
 * then CMD replaces the shell (so its pid is the one started).
 */
function inNetns(setup: string[], cmd: string, args: string[]): [string, string[]] {
  return [UNSHARE, ['--net', '/bin/sh', '-ec', `${setup.map((l) => `${IP} ${l}`).join('\n')}\nexec "$@"`, 'netns', cmd, ...args]];
}

const haveTools = (): boolean => haveTool(UNSHARE, 'util-linux') && haveTool(IP, 'iproute2') && haveTool(SOCAT, 'socat');

test('-t: an interface that does not exist, does not multicast, has no IPv4 address or a too long name is an error with its line', async (t) => {
  if (!haveTools()) return;
  const { dir, cleanup } = tempDir('svkit-pmtr-');
  t.after(cleanup);
  const conf = join(dir, 'pmtr.conf');
  writeFileSync(conf, [
    'report to udp://239.255.0.1:9999@nosuch0',
    'report to udp://239.255.0.1:9999@lo',
    'report to udp://239.255.0.1:9999@noaddr0',
    'report to udp://239.255.0.1:9999@abcdefghijklmnop',
    'report to udp://239.255.0.1:9999@mc0',
    'listen on udp://127.0.0.1:9999@nosuch0',
    'job {',
    '  name a',
    '  cmd /bin/true',
    '}',
    '',
  ].join('\n'));
  // noaddr0 multicasts but has no address; mc0 multicasts and has one: fine; `listen on` ignores @IFACE, as pmtr
  const [cmd, args] = inNetns(['link add noaddr0 type veth peer name noaddr1', 'link add mc0 type veth peer name mc1', 'addr add 10.200.9.1/24 dev mc0'], ours('pmtr'), ['-t', '-c', conf]);
  const r = await run(cmd, args);
  assert.equal(r.code, 100, r.stderr);
  assert.equal(r.stderr, [
    `pmtr: ${conf} line 1: ioctl: No such device`,
    `pmtr: ${conf} line 2: lo does not multicast`,
    `pmtr: ${conf} line 3: ioctl: Cannot assign requested address`,
    `pmtr: ${conf} line 4: interface too long`,
    `pmtr: fatal: 4 errors in ${conf}`,
    '',
  ].join('\n'));
});

test('reports to a multicast group go out through @IFACE (not the route\'s interface), with its address in the header', async (t) => {
  if (!haveTools()) return;
  const { dir, cleanup } = tempDir('svkit-pmtr-');
  const conf = join(dir, 'pmtr.conf');
  const rx = join(dir, 'rx.txt');
  // the receiver joins the group on mc0 only; the multicast route points at other0, so a report
  // reaches it only when sent through mc0
  writeFileSync(conf, `report to udp://239.255.0.1:9999@mc0
job {
  name rx
  cmd ${SOCAT} -u UDP4-RECV:9999,ip-add-membership=239.255.0.1:10.200.0.1 OPEN:${rx},creat,append
}
`);
  const [cmd, args] = inNetns([
    'link add mc0 type veth peer name mc1',
    'link add other0 type veth peer name other1',
    'addr add 10.200.0.1/24 dev mc0',
    'addr add 10.200.1.1/24 dev other0',
    'link set lo up', 'link set mc0 up', 'link set mc1 up', 'link set other0 up', 'link set other1 up',
    'route add 224.0.0.0/4 dev other0',
  ], ours('pmtr'), ['-F', '-c', conf, '--state-dir', join(dir, 'state'), '--syslog', join(dir, 'no-syslog'), '--grace', '2']);
  const p = start(cmd, args);
  t.after(async () => {
    await p.stop('SIGTERM');
    cleanup();
  });
  const text = await waitFor(() => existsSync(rx) && readFileSync(rx, 'utf8'), 40000, `a report in ${rx}; pmtr's log:\n${p.stderr()}`);
  assert.match(text, new RegExp(`^report ${hostname()} 10\\.200\\.0\\.1\\nrx e \\d+ \\d+ ${SOCAT}\\n`));
  assert.doesNotMatch(p.stderr(), /warning/);
  // a reload naming an interface that is not there is a config error: logged with its line, nothing changes
  const rxPid = Number(/started job rx \[(\d+)\]/.exec(p.stderr())![1]);
  writeFileSync(conf, readFileSync(conf, 'utf8').replace('@mc0', '@nosuch0'));
  await waitFor(() => p.stderr().includes(`pmtr: warning: ${conf} line 1: ioctl: No such device\npmtr: warning: FAILED to parse ${conf}: using the previous job config\n`), 15000, 'the reload\'s error');
  assert.doesNotMatch(p.stderr(), /sending SIGTERM to job rx/);
  assert.equal(p.stderr().match(/started job rx/g)!.length, 1, `rx ${rxPid} kept running`);
});
