/**
 * SVSCAN_NODE_FLAGS (svscan-flags.ts), the Node flags bin/svscan starts svscan with: Node accepts
 * them without a word on stderr, and they take effect (V8's young generation stays small).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SVSCAN_NODE_FLAGS } from '@svkit/supervise/svscan-flags';
import { run } from '../helpers/proc.js';

// allocates 3 million objects, the last 100,000 alive (survivors make V8 grow its young generation:
// to 2 x 16 MB by default on Node 20, 2 x 64 MB on Node 24), then prints that generation's size in bytes
const CHURN = `const ring = new Array(100000);
  for (let i = 0; i < 3e6; i++) ring[i % ring.length] = { i, a: [i, i, i, i] };
  const ns = require('node:v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  console.log(ns.space_size);`;

test('node takes SVSCAN_NODE_FLAGS silently, and with them the young generation stays within 2 x 1 MB', async () => {
  const r = await run(process.execPath, [...SVSCAN_NODE_FLAGS, '-e', CHURN], { stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'nothing on stderr');
  assert.ok(Number(r.stdout) <= 2 * 1024 * 1024, `new space ${r.stdout.trim()} bytes`);
});

test('bin/svscan starts node with exactly SVSCAN_NODE_FLAGS on each of its node lines, and a running svscan has them', async () => {
  const { readFileSync } = await import('node:fs');
  const { ours } = await import('../helpers/proc.js');
  const text = readFileSync(ours('svscan'), 'utf8');
  const lines = text.split('\n').filter((l) => / node (--|")/.test(l) && l.startsWith("':'"));
  assert.ok(lines.length >= 4, 'the launcher\'s node lines');
  for (const l of lines) assert.ok(l.includes(` node ${SVSCAN_NODE_FLAGS.join(' ')} "$0"`), `flags on: ${l}`);
  const r = await run(ours('svscan'), ['--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(r.code, 0, r.stderr);
});
