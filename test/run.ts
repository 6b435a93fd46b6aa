/**
 * The test command (`npm test` runs it after the build): runs every compiled `*.test.js` under
 * build/tests/ with `node --test`, on the Node that runs this file. `node --test build/tests/` only
 * works on Node 20 (22 and later take no directory), so the files are listed here. The directory of
 * this Node goes first on PATH, so that bin/* (`#!/usr/bin/env node`) run on the same version.
 *
 *   node build/tests/run.js                 every test
 *   node build/tests/run.js chain/ svc      only files whose path (below build/tests/) contains a word
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...testFiles(p));
    else if (e.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const words = process.argv.slice(2);
const files = testFiles(here)
  .filter((f) => words.length === 0 || words.some((w) => relative(here, f).includes(w)))
  .sort();
if (files.length === 0) {
  process.stderr.write(`run: fatal: no test file matches ${words.join(' ')}\n`);
  process.exit(100);
}
const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };
const child = spawn(process.execPath, ['--test', ...files], { stdio: 'inherit', env });
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
