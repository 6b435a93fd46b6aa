/** The settings reader: never blocks, follows links only in trusted directories, caps numbers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DirHandle } from '@svkit/protocol/dir-handle';
import { MAX_NOTIFICATION_FD, MAX_TIMER_MS, readServiceConfig, UNTRUSTED_MIN_RESTART_DELAY_MS } from '@svkit/supervise/service-config';
import { mkfifo } from '../helpers/as-user.js';
import { tempDir } from '../helpers/proc.js';

function read(dir: string, trusted: boolean): { cfg: ReturnType<typeof readServiceConfig>; warned: string[] } {
  const service = DirHandle.open(dir);
  const warned: string[] = [];
  try {
    const cfg = readServiceConfig({ service, trusted, warn: (name, e) => warned.push(`${name}: ${(e as NodeJS.ErrnoException).code}`) });
    return { cfg, warned };
  } finally {
    service.close();
  }
}

test('settings: a FIFO is reported and gets the default (no wait); numbers are capped; notification-fd above the cap is ignored', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  mkfifo(join(dir, 'timeout-kill'));
  writeFileSync(join(dir, 'restart-max-delay'), '99999999999999\n');
  writeFileSync(join(dir, 'notification-fd'), `${MAX_NOTIFICATION_FD + 1}\n`);
  const { cfg, warned } = read(dir, true);
  assert.equal(cfg.timeoutKill, 0);
  assert.deepEqual(warned, ['timeout-kill: ENOTREG']);
  assert.equal(cfg.restartMaxDelay, MAX_TIMER_MS);
  assert.equal(cfg.notificationFd, undefined);
});

test('settings: a link is followed in a trusted directory only; an untrusted one restarts no faster than once a second', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  writeFileSync(join(dir, 'shared-signal'), 'HUP\n');
  symlinkSync('shared-signal', join(dir, 'down-signal'));
  writeFileSync(join(dir, 'restart-delay'), '0\n');
  const trusted = read(dir, true);
  assert.equal(trusted.cfg.downSignal, 'SIGHUP');
  assert.equal(trusted.cfg.restartDelay, 0);
  assert.deepEqual(trusted.warned, []);
  const untrusted = read(dir, false);
  assert.equal(untrusted.cfg.downSignal, 'SIGTERM');
  assert.deepEqual(untrusted.warned, ['down-signal: ESYMLINK']);
  assert.equal(untrusted.cfg.restartDelay, UNTRUSTED_MIN_RESTART_DELAY_MS);
});

test('settings are found in a directory with few entries (one listing) and in one with thousands (each looked up)', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  writeFileSync(join(dir, 'timeout-kill'), '2500\n');
  writeFileSync(join(dir, 'setsid'), '');
  writeFileSync(join(dir, 'finish'), '#!/bin/sh\n', { mode: 0o755 });
  const want = (cfg: ReturnType<typeof readServiceConfig>): void => {
    assert.equal(cfg.timeoutKill, 2500);
    assert.equal(cfg.setsid, true);
    assert.equal(cfg.hasFinish, true);
    assert.equal(cfg.restartDelay, 1000, 'an absent setting keeps its default');
  };
  want(read(dir, true).cfg);
  for (let i = 0; i < 3000; i++) writeFileSync(join(dir, `junk${i}`), '');
  want(read(dir, true).cfg);
});
