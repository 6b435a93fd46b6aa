/**
 * procserv's files in a directory another user can write (here: owned by `nobody`): its UNIX socket
 * (mode and owner set where nobody can swap a link in), its pid and info files (a planted link is
 * never followed, a swapped file never removed) and its -L log (no link followed). Each attack
 * aims at a root-owned file outside the directory, whose mode, owner and content must not change.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import type net from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { listenEndpoint, parseEndpoint } from '@svkit/procserv/endpoint';
import { writeInstanceFiles } from '@svkit/procserv/instance-files';
import { asUser, chownTree, NOBODY } from '../helpers/as-user.js';
import { ours, run, tempDir, waitFor } from '../helpers/proc.js';

/** A temp dir others may traverse, holding `d` (nobody's, 0755) and root's 0600 `victim`. */
function hostileDir(t: { after(fn: () => void): void }): { d: string; victim: string; snapshot(): string } {
  const { dir, cleanup } = tempDir('svkit-sockets-');
  t.after(cleanup);
  chmodSync(dir, 0o755);
  const d = join(dir, 'd');
  mkdirSync(d, { mode: 0o755 });
  chownTree(d, NOBODY);
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'root secret\n', { mode: 0o600 });
  const snapshot = (): string => {
    const st = statSync(victim);
    return `mode ${(st.mode & 0o7777).toString(8)} uid ${st.uid} gid ${st.gid} content ${JSON.stringify(readFileSync(victim, 'utf8'))}`;
  };
  return { d, victim, snapshot };
}

/**
 * The attacker, as nobody: over and over, every name in D (and D/NAME/socket) is replaced by a
 * link to the victim, until D/stop appears; prints how many replacements succeeded. D/.lready
 * says it has started.
 */
const RACER = `
const fs = require('fs');
const [D, V] = process.argv.slice(1);
let hits = 0, i = 0;
fs.writeFileSync(D + '/.lready', '');
for (;;) {
  let names;
  try { names = fs.readdirSync(D); } catch { continue; }
  if (names.includes('stop')) break;
  for (const n of names) {
    if (n.startsWith('.l')) continue;
    for (const target of [D + '/' + n, D + '/' + n + '/socket']) {
      const l = D + '/.l' + (i++ % 8);
      try { fs.symlinkSync(V, l); } catch {}
      try { fs.renameSync(l, target); hits++; } catch {}
    }
  }
}
console.log(hits);
`;

test('UNIX socket in a directory nobody can write: 300 rounds against a link-swapping racer never chmod or chown an outside file', async (t) => {
  const { d, victim, snapshot } = hostileDir(t);
  const before = snapshot();
  const racer = asUser(NOBODY, process.execPath, ['-e', RACER, d, victim], { timeoutMs: 300000 });
  await waitFor(() => existsSync(join(d, '.lready')), 30000, 'the racer running');
  let made = 0;
  const failures = new Map<string, number>();
  try {
    for (let i = 0; i < 300; i++) {
      // root:nogroup 0666: what the old code did by path would make the victim world-writable and nogroup's
      const ep = parseEndpoint(`unix:0:${NOBODY}:0666:${join(d, `sock${i}`)}`);
      let server: net.Server;
      try {
        server = await listenEndpoint(ep, false, (s) => s.destroy());
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? String(e);
        failures.set(code, (failures.get(code) ?? 0) + 1);
        continue;
      }
      made++;
      await new Promise<void>((res) => server.close(() => res()));
      assert.equal(snapshot(), before, `round ${i}: the victim is unchanged`);
    }
  } finally {
    writeFileSync(join(d, 'stop'), '');
  }
  const r = await racer;
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Number(r.stdout) > 0, `the racer replaced names in the directory (${r.stdout.trim()} times)`);
  assert.equal(snapshot(), before, 'the victim is unchanged');
  assert.ok(made >= 250, `most rounds made their socket (${made}; failures ${JSON.stringify([...failures])})`);
});

test('UNIX socket in a directory nobody can write: made with the mode and owner asked for, no directory left behind; at close only our own socket is removed', async (t) => {
  const { d } = hostileDir(t);
  const path = join(d, 'console');
  const server = await listenEndpoint(parseEndpoint(`unix:0:${NOBODY}:0660:${path}`), false, (s) => s.destroy());
  const st = lstatSync(path);
  assert.ok(st.isSocket());
  assert.equal(st.mode & 0o7777, 0o660);
  assert.equal(st.uid, 0);
  assert.equal(st.gid, NOBODY);
  assert.deepEqual((await run('ls', ['-A', d])).stdout, 'console\n');
  await new Promise<void>((res) => server.close(() => res()));
  assert.equal(existsSync(path), false);
  // again, and nobody puts a file of theirs at the socket's name before the close: it stays
  const again = await listenEndpoint(parseEndpoint(`unix:${path}`), false, (s) => s.destroy());
  const p = await asUser(NOBODY, '/bin/sh', ['-c', `echo theirs > ${d}/x && mv -f ${d}/x ${path}`]);
  assert.equal(p.code, 0, p.stderr);
  await new Promise<void>((res) => again.close(() => res()));
  assert.equal(readFileSync(path, 'utf8'), 'theirs\n');
});

test('pid and info files in a directory nobody can write: a planted link is not followed, a swapped file is not removed', async (t) => {
  const { d, victim, snapshot } = hostileDir(t);
  const before = snapshot();
  const pidFile = join(d, 'pid');
  const infoFile = join(d, 'info');
  // the temporary names the old code used, planted as nobody
  const plant = `ln -s ${victim} ${pidFile}.${process.pid}.tmp; ln -s ${victim} ${infoFile}.${process.pid}.tmp`;
  const p = await asUser(NOBODY, '/bin/sh', ['-c', plant]);
  assert.equal(p.code, 0, p.stderr);
  const remove = writeInstanceFiles(pidFile, infoFile, ['unix:/x']);
  assert.equal(snapshot(), before, 'the victim is unchanged');
  assert.equal(readFileSync(pidFile, 'utf8'), `${process.pid}\n`);
  assert.equal(readFileSync(infoFile, 'utf8'), `pid:${process.pid}\nunix:/x\n`);
  assert.equal(statSync(pidFile).mode & 0o777, 0o644);
  // nobody puts a file of theirs in place of the info file: at exit it stays, ours goes
  writeFileSync(join(d, 'theirs'), 'theirs\n');
  renameSync(join(d, 'theirs'), infoFile);
  remove();
  assert.equal(existsSync(pidFile), false);
  assert.equal(readFileSync(infoFile, 'utf8'), 'theirs\n');
});

test('-L FILE in a directory nobody can write: a link there is refused, not appended through', async (t) => {
  const { d, victim, snapshot } = hostileDir(t);
  const before = snapshot();
  const log = join(d, 'log');
  symlinkSync(victim, log);
  const r = await run(ours('procserv'), ['-f', '--oneshot', '-L', log, `unix:${join(d, 'sock')}`, '/bin/echo', 'to the log'], { timeoutMs: 30000 });
  assert.equal(snapshot(), before, 'the victim is unchanged');
  assert.equal(r.code, 111);
  assert.equal(r.stderr, `procserv: fatal: unable to open log file ${log}: a symbolic link (not followed)\n`);
});
