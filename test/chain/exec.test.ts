/** Every chain-loader replaces itself (execve): same pid, default signals, no stray descriptors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, openSync, realpathSync, writeFileSync, mkdirSync } from 'node:fs';
import { ours, tempDir, waitFor } from '../helpers/proc.js';
import { inNanosleep, procExe, procFds, procStatus } from './proc-info.js';

const SLEEP = realpathSync('/usr/bin/sleep');

const cases: Array<{ cmd: string; args: (dir: string) => string[]; extraFd?: (dir: string) => string }> = [
  { cmd: 'envdir', args: (d) => [`${d}/env`] },
  { cmd: 'envuidgid', args: () => ['nobody'] },
  { cmd: 'setuidgid', args: () => ['nobody'] },
  { cmd: 'softlimit', args: () => ['-m', '500000000', '-o', '100'] },
  { cmd: 'setlock', args: (d) => [`${d}/lock`], extraFd: (d) => `${d}/lock` },
  { cmd: 'pgrphack', args: () => [] },
];

for (const c of cases) {
  test(`${c.cmd} execs its child in place: same pid, SigIgn/SigBlk empty, only 0-2 and inherited fds`, async (t) => {
    const { dir, cleanup } = tempDir('svkit-exec-');
    t.after(cleanup);
    mkdirSync(`${dir}/env`);
    writeFileSync(`${dir}/env/X`, 'y');
    writeFileSync(`${dir}/inherited`, '');
    const inherited = openSync(`${dir}/inherited`, 'r');
    t.after(() => closeSync(inherited));
    // baseline: the descriptors a plain sleep started the same way gets (the test runner may leak some)
    const plain = spawn('/usr/bin/sleep', ['1000'], { stdio: ['ignore', 'ignore', 'pipe', inherited] });
    const plainExited = new Promise((r) => plain.once('exit', r));
    t.after(async () => {
      plain.kill('SIGKILL');
      await plainExited;
    });
    await waitFor(() => procExe(plain.pid!) === SLEEP && inNanosleep(plain.pid!), 15000, 'plain sleep, settled');
    const baseline = [...procFds(plain.pid!)].filter(([fd]) => fd > 2).map(([, target]) => target.replace(/\d+/g, 'N'));
    const child = spawn(ours(c.cmd), [...c.args(dir), 'sleep', '1000'], { stdio: ['ignore', 'ignore', 'pipe', inherited] });
    const exited = new Promise((r) => child.once('exit', r));
    t.after(async () => {
      child.kill('SIGKILL');
      await exited;
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    await waitFor(() => procExe(child.pid!) === SLEEP && inNanosleep(child.pid!), 15000, `${c.cmd} to become sleep, settled (stderr: ${stderr})`);
    const st = procStatus(child.pid!);
    assert.equal(st.SigIgn, '0000000000000000');
    assert.equal(st.SigBlk, '0000000000000000');
    const fds = procFds(child.pid!);
    const extra = [...fds].filter(([fd]) => fd > 2).map(([, target]) => target.replace(/\d+/g, 'N')).sort();
    const want = [...baseline, ...(c.extraFd ? [c.extraFd(dir).replace(/\d+/g, 'N')] : [])].sort();
    assert.deepEqual(extra, want);
    assert.equal(fds.get(3), `${dir}/inherited`, 'the inherited fd keeps its number');
    child.kill('SIGTERM');
    const [code, signal] = await new Promise<[number | null, string | null]>((r) => child.once('exit', (c2, s) => r([c2, s])));
    assert.equal(signal, 'SIGTERM', 'a signal to the pid reaches the final program directly');
    assert.equal(code, null);
  });
}
