/** The Supervisor's exec hook (what owners such as pmtr run instead of ./run), its settings override and the restart event. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { memoryIo } from '@svkit/diag';
import { Supervisor, type ExecSpec } from '@svkit/supervise/supervisor';
import type { ExitHow } from '@svkit/supervise/supervisor-table';
import { alive, tempDir, waitFor } from '../helpers/proc.js';
import { linesOf, statField } from '../helpers/pmtr.js';

test('exec hook: file, args, cwd, env and stdio from the owner; settings override the files; restartAt and onExit; restart re-reads the spec', async (t) => {
  const { dir, cleanup } = tempDir('svkit-sv-exec-');
  const svc = join(dir, 'svc');
  const work = join(dir, 'work');
  mkdirSync(svc);
  mkdirSync(work);
  const out = join(dir, 'out.txt');
  let word = 'one';
  const exits: ExitHow[] = [];
  let restartAsked: [number, number] | undefined;
  const io = memoryIo();
  const sv = new Supervisor({
    dir: svc,
    io,
    settings: { setsid: true, timeoutKill: 1000 },
    exec: (): ExecSpec => {
      const fd = openSync(out, 'a');
      return {
        file: '/bin/sh',
        args: ['-c', 'echo "$WORD $(pwd)"; exec /bin/sleep 1000'],
        cwd: work,
        env: { WORD: word, PATH: '/usr/bin:/bin' },
        stdio: ['ignore', fd, fd],
        closeAfter: [fd],
        credentials: null,
      };
    },
    restartAt: (lastStart, lastExit) => {
      restartAsked = [lastStart, lastExit];
      return Date.now();
    },
    onExit: (how) => void exits.push(how),
  });
  t.after(() => {
    if (sv.pid) try { process.kill(-sv.pid, 'SIGKILL'); } catch { /* gone */ }
    sv.close();
    cleanup();
  });
  sv.open();
  const first = await waitFor(() => sv.pid, 10000, 'started');
  await waitFor(() => linesOf(out).length === 1, 10000, 'first line');
  assert.equal(linesOf(out)[0], `one ${work}`);
  assert.equal(statField(first, 5), String(first), 'setsid from the settings: its own process group');
  word = 'two';
  sv.dispatch('restart');
  const second = await waitFor(() => sv.pid !== first && sv.pid, 10000, 'restarted');
  await waitFor(() => linesOf(out).length === 2, 10000, 'second line');
  assert.equal(linesOf(out)[1], `two ${work}`);
  assert.equal(exits.length, 1);
  assert.equal(exits[0]!.signal, 'SIGTERM');
  assert.ok(restartAsked && restartAsked[1] >= restartAsked[0]);
  assert.equal(alive(first), false);
  assert.equal(readFileSync(join(svc, 'supervise/status')).readUInt32LE(12), second, 'the status names the new process');
});

test('exec hook that throws: onStartFailed hears it and the start is retried by the restart rule', async (t) => {
  const { dir, cleanup } = tempDir('svkit-sv-exec-');
  let calls = 0;
  const errors: string[] = [];
  const sv = new Supervisor({
    dir,
    io: memoryIo(),
    exec: () => {
      calls++;
      throw new Error(`no ${calls}`);
    },
    restartAt: () => Date.now() + 50,
    onStartFailed: (e) => void errors.push((e as Error).message),
  });
  t.after(() => {
    sv.close();
    cleanup();
  });
  sv.open();
  await waitFor(() => calls >= 3, 10000, 'retries');
  assert.deepEqual(errors.slice(0, 2), ['no 1', 'no 2']);
});
