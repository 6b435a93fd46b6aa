import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ours, ROOT, start, tempDir, waitFor } from '../helpers/proc.js';
import { getJson, OUR_ENV } from '../helpers/web.js';

test('npm start: service-examples/web serves the dashboard of the examples (itself included)', async (t) => {
  const { dir, cleanup } = tempDir('svweb-');
  const scan = join(dir, 'examples');
  // a clean copy: no supervise/, logs or console of an earlier `npm start` in this checkout
  cpSync(join(ROOT, 'service-examples'), scan, { recursive: true, filter: (p) => !['supervise', 'main', 'console', 'svscan.service'].includes(basename(p)) });
  const sv = start(ours('svscan'), [scan], { env: { ...OUR_ENV, SVWEB_PORT: '0' } });
  t.after(async () => {
    await sv.stop();
    cleanup();
  });
  const m = await waitFor(() => /svweb: listening on (http:\/\/[^/]+)\//.exec(sv.stdout() + sv.stderr()), 30000, 'svweb listening');
  const url = m[1]!;
  const names = await waitFor(async () => {
    const j = await getJson(`${url}/api/services`);
    const up = j.services.filter((s: any) => s.up).map((s: any) => s.name);
    return ['hello', 'ioc', 'web'].every((n) => up.includes(n)) ? j.services.map((s: any) => s.name) : null;
  }, 30000, 'hello, ioc and web up');
  // every example service (non-dot directory), as svscan supervises them
  const examples = readdirSync(scan, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
  assert.ok(examples.includes('web') && examples.includes('hello'));
  assert.deepEqual(names, examples);
  assert.equal((await fetch(`${url}/`)).status, 200);
  await waitFor(async () => (await getJson(`${url}/api/services/ioc`)).console, 30000, 'the ioc console socket');
});
