/** pmtr's UDP report (pmtr's format) and enable/disable datagrams; a bad datagram is logged, never a crash. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { alive, waitFor } from '../helpers/proc.js';
import { startPmtr } from '../helpers/pmtr.js';

test('report datagrams in pmtr\'s format; disable/enable datagrams; bad ones logged', async (t) => {
  const rx = createSocket('udp4');
  const got: string[] = [];
  rx.on('message', (m) => got.push(m.toString()));
  await new Promise<void>((res) => rx.bind(0, '127.0.0.1', () => res()));
  const port = (rx.address() as AddressInfo).port;
  const probe = createSocket('udp4');
  await new Promise<void>((res) => probe.bind(0, '127.0.0.1', () => res()));
  const ctlPort = (probe.address() as AddressInfo).port;
  probe.close(); // a free port for pmtr's listener (the kernel does not hand it out again at once)
  const tx = createSocket('udp4');
  t.after(() => {
    rx.close();
    tx.close();
  });
  // .invalid never resolves (RFC 6761): pmtr's lookup error with its line, and the other destination still gets its reports
  const r = startPmtr(t, `report to udp://127.0.0.1:${port}\nlisten on udp://127.0.0.1:${ctlPort}\nreport to udp://no.such.host.invalid:9\njob {\n  name web\n  cmd /bin/sleep 1000\n}\njob {\n  name idle\n  cmd /bin/sleep 1001\n  disable\n}\njob {\n  name oneshot\n  cmd /bin/true\n  once\n}\n`, { args: ['-v'] });
  const web = await r.pid('web');
  await r.waitLog(/job oneshot \[\d+\] exited/);
  // a finished once job is left out, as pmtr does
  const rep = await waitFor(() => got.find((g) => g.includes(` ${web} `) && !g.includes('oneshot')), 30000, 'a report');
  assert.match(rep, new RegExp(`^report ${hostname()}\\nweb e \\d+ ${web} /bin/sleep\\nidle d 0 0 /bin/sleep\\n$`));
  await r.waitLog(/^pmtr: warning: lookup \[no\.such\.host\.invalid\]: (Unknown host|Host name lookup failure) at line 3$/m, 40000);
  const send = (s: string): void => tx.send(s, ctlPort, '127.0.0.1');
  await r.waitLog(/starting/);
  send('bogus web');
  await r.waitLog(/pmtr: received \[bogus web\]\npmtr: warning: invalid control msg/);
  send('disable web nosuch enable idle\n');
  await r.waitLog(/disabling web/);
  await r.waitLog(/control msg for unknown job nosuch/);
  await r.waitLog(/enabling idle/);
  await waitFor(() => !alive(web), 10000, 'web stopped');
  await r.pid('idle');
  await waitFor(() => r.pidNow('web') === 0, 10000, 'web down in its status');
});
