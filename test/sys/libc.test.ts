/**
 * @svkit/sys loads koffi's native module itself: koffi's index.js also loads https, crypto and zlib
 * (for its build tool), which a long-running svscan paid for in memory. On Node 20 it does not load
 * tls for NODE_EXTRA_CA_CERTS either (Node 20 reads that file before any JavaScript runs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, run } from '../helpers/proc.js';

const SYS = join(ROOT, 'packages/sys/dist/index.js');
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/** The built-in modules Node has loaded after importing @svkit/sys and making one libc call. */
async function modulesAfterLoad(env: NodeJS.ProcessEnv): Promise<{ modules: string[]; pgrp: number }> {
  const code = `const sys = await import(${JSON.stringify(SYS)});
    console.log(JSON.stringify({ modules: process.moduleLoadList, pgrp: sys.getpgrp() }));`;
  const r = await run(process.execPath, ['--input-type=module', '-e', code], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { modules: string[]; pgrp: number };
}

test('loading @svkit/sys loads no https, crypto or zlib, and its libc calls work', async () => {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const { modules, pgrp } = await modulesAfterLoad(env);
  for (const m of ['NativeModule https', 'NativeModule crypto', 'NativeModule zlib', 'NativeModule tls']) {
    assert.ok(!modules.includes(m), `${m} loaded`);
  }
  assert.ok(pgrp > 0, `getpgrp() through koffi: ${pgrp}`);
});

test('with NODE_EXTRA_CA_CERTS on Node 20, loading @svkit/sys loads no tls (Node read the file at start-up)', { skip: NODE_MAJOR >= 22 && 'Node 22 and later: tls is loaded to wait for the CA file (inherited-fds.ts)' }, async () => {
  const { modules } = await modulesAfterLoad({ ...process.env, NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt' });
  assert.ok(!modules.includes('NativeModule tls'), 'tls loaded');
});
