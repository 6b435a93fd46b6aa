import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ours, run } from '../helpers/proc.js';

test('svscanboot -h / --help / two dirs: the usage reaches the terminal (before stderr goes to readproctitle), exit 100', async () => {
  for (const args of [['-h'], ['--help'], ['a', 'b']]) {
    const r = await run(ours('svscanboot'), args);
    assert.equal(r.code, 100, `svscanboot ${args.join(' ')}`);
    assert.equal(r.stderr, 'svscanboot: usage: svscanboot [dir]\n', `svscanboot ${args.join(' ')}`);
  }
});
