/**
 * No descriptor that Node opens for itself reaches the program a chain-loader execs. Node 22 and
 * later read NODE_EXTRA_CA_CERTS on a thread of their own with a plain open (no close-on-exec),
 * at any moment after crypto is loaded (koffi loads it): before the fix, envdir passed that fd on
 * in about a third of the runs. On Node 20 the file is read at start-up, so this passes there anyway;
 * run it with Node 22 or 24 (test/run.mjs puts the node under test first on PATH for bin/*).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { ours, run, start, tempDir, waitFor } from '../helpers/proc.js';

const SYSTEM_CAS = '/etc/ssl/certs/ca-certificates.crt';
const RUNS = 5;

/** A CA file large enough to keep Node's loader thread busy for a while: a wider window for a leak. */
function bigCaFile(dir: string): string {
  let pem = '';
  try { pem = readFileSync(SYSTEM_CAS, 'utf8'); } catch { /* none: the test still runs with a small file */ }
  writeFileSync(`${dir}/cas.pem`, pem.repeat(8));
  return `${dir}/cas.pem`;
}

test('with NODE_EXTRA_CA_CERTS, only fds 0-2, inherited and passed-on fds reach the exec\'ed program', async (t) => {
  const { dir, cleanup } = tempDir('svkit-cafd-');
  t.after(cleanup);
  mkdirSync(`${dir}/env`);
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: bigCaFile(dir) };
  // the program lists its own descriptors: sh expands the glob, then becomes readlink (same pid)
  const list = ['/bin/sh', '-c', 'exec readlink /proc/$$/fd/*'];
  const fdsOf = (out: string): string[] => out.split('\n').filter((l) => l !== '').map((l) => l.replace(/\[\d+\]/, '[N]')).sort();
  const baseline = fdsOf((await run(list[0]!, list.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] })).stdout);
  const loaders: Array<{ cmd: string; args: string[]; extra: string[] }> = [
    { cmd: 'envdir', args: [`${dir}/env`], extra: [] },
    { cmd: 'pgrphack', args: [], extra: [] },
    { cmd: 'softlimit', args: ['-o', '1000'], extra: [] },
    { cmd: 'setlock', args: [`${dir}/lock`], extra: [`${dir}/lock`] },
  ];
  for (const l of loaders) {
    for (let i = 0; i < RUNS; i++) {
      const r = await run(ours(l.cmd), [...l.args, ...list], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const got = fdsOf(r.stdout); // readlink fails (exit 1) on the glob's own, closed, directory fd: fine
      assert.ok(got.length >= 3, `${l.cmd}: ${r.stderr}`);
      assert.ok(!got.includes(`${dir}/cas.pem`), `${l.cmd} passed Node's CA file on (run ${i + 1}): ${got.join(' ')}`);
      assert.deepEqual(got, [...baseline, ...l.extra].sort(), `${l.cmd}, run ${i + 1}`);
    }
  }
});

test('with NODE_EXTRA_CA_CERTS, a service that supervise starts at once does not get Node\'s CA file', async (t) => {
  const { dir, cleanup } = tempDir('svkit-cafd-');
  t.after(cleanup);
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: bigCaFile(dir) };
  for (let i = 0; i < 8; i++) {
    const svc = `${dir}/s${i}`;
    mkdirSync(svc);
    // the run script lists its fds into a temp file and moves it into place, then waits
    writeFileSync(`${svc}/run`, '#!/bin/sh\nreadlink /proc/$$/fd/* > fds.tmp 2>/dev/null; mv fds.tmp fds\nexec sleep 1000\n');
    chmodSync(`${svc}/run`, 0o755);
    const sv = start(ours('supervise'), [svc], { env });
    t.after(() => sv.stop('SIGKILL'));
    await waitFor(() => existsSync(`${svc}/fds`), 30000, `run of ${svc} (supervise stderr: ${sv.stderr()})`);
    const fds = readFileSync(`${svc}/fds`, 'utf8');
    assert.ok(!fds.includes(`${dir}/cas.pem`), `run ${i + 1} got Node's CA file: ${fds}`);
    await run(ours('svc'), ['-dx', svc]); // down, then supervise exits
    await waitFor(() => sv.child.exitCode !== null || sv.child.signalCode !== null, 30000, 'supervise to exit');
  }
});
