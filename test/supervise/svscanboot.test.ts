import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ours, run } from '../helpers/proc.js';

test('svscanboot -h / --help x / two dirs: the usage reaches the terminal (before stderr goes to readproctitle), exit 100', async () => {
  // (a lone --help prints the help on stdout, exit 0: test/diag/help.test.ts)
  for (const args of [['-h'], ['--help', 'x'], ['a', 'b']]) {
    const r = await run(ours('svscanboot'), args);
    assert.equal(r.code, 100, `svscanboot ${args.join(' ')}`);
    assert.equal(r.stderr, 'svscanboot: usage: svscanboot [dir]\n', `svscanboot ${args.join(' ')}`);
  }
});
