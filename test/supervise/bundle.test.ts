/**
 * svscan's bundle (dist/bundle/svscan.js, built by packages/supervise/bundle.mjs: one module instead
 * of ~30, for memory) carries its own copy of early-signals; bin/svscan imports dist/early-signals.js
 * alone first. The two copies share one record: a TERM caught by the first before the bundle loaded
 * brings svscan down, and no recorder stays behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, start, tempDir, waitFor } from '../helpers/proc.js';

const EARLY = join(ROOT, 'packages/supervise/dist/early-signals.js');
const BUNDLE = join(ROOT, 'packages/supervise/dist/bundle/svscan.js');

test('a TERM recorded by dist/early-signals.js before the bundle loads makes the bundled svscan exit 0, with one TERM listener left', async (t) => {
  const { dir, cleanup } = tempDir('svkit-bundle-');
  const scan = join(dir, 'service');
  mkdirSync(scan);
  // the TERM is delivered (our own once-listener ran, so the early recorder ran too) before the bundle is imported
  // (signal handles do not keep Node's loop alive: a timer does, until the TERM is delivered)
  const code = `await import(${JSON.stringify(EARLY)});
    const alive = setInterval(() => {}, 1000);
    const delivered = new Promise((r) => process.once('SIGTERM', r));
    process.kill(process.pid, 'SIGTERM');
    await delivered;
    clearInterval(alive);
    const { main } = await import(${JSON.stringify(BUNDLE)});
    const done = main([${JSON.stringify(scan)}]);
    process.stdout.write('listeners ' + process.listenerCount('SIGTERM') + '\\n');
    process.exitCode = await done;`;
  const sv = start(process.execPath, ['--input-type=module', '-e', code], { cwd: dir });
  t.after(async () => { await sv.stop('SIGKILL'); cleanup(); });
  await waitFor(() => sv.child.exitCode !== null, 30000, `svscan exits on the early TERM (stderr: ${sv.stderr()})`);
  assert.equal(sv.child.exitCode, 0, sv.stderr());
  assert.equal(sv.stdout().trim(), 'listeners 1', 'svscan\'s own TERM handler only');
});
