/**
 * `CMD --help` (a lone argument) prints the usage and a description on stdout and exits 0, for
 * every command in package.json's "bin"; anywhere else --help keeps daemontools 0.76's meaning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ours, ROOT, run, tempDir } from '../helpers/proc.js';

const bins = Object.keys((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin);
/** The daemontools-style tools: usage line, empty line, one paragraph. */
const TOOLS = ['svc', 'svstat', 'svok', 'supervise', 'svscan', 'svscanboot', 'multilog', 'tai64n', 'tai64nlocal',
  'envdir', 'envuidgid', 'setuidgid', 'softlimit', 'setlock', 'pgrphack', 'fghack', 'readproctitle'];

/** Commands whose --help is still to come (packages/procserv is changed on another branch). */
const PENDING: Record<string, string> = {};

test('every command answers a lone --help with its usage on stdout, exit 0', async (t) => {
  for (const cmd of bins) {
    await t.test(cmd, { todo: PENDING[cmd] }, async () => {
      const r = await run(ours(cmd), ['--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
      assert.equal(r.code, 0, `${cmd} --help: exit ${r.code}, stderr ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^usage: ${cmd}\\b`, 'i'), `${cmd} --help`);
    });
  }
});

test('the daemontools-style tools print usage, an empty line and one paragraph', async () => {
  for (const cmd of TOOLS) {
    const r = await run(ours(cmd), ['--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(r.code, 0, cmd);
    assert.equal(r.stderr, '', cmd);
    const [usage, blank, ...para] = r.stdout.replace(/\n$/, '').split('\n');
    assert.match(usage!, new RegExp(`^usage: ${cmd} `), cmd);
    assert.equal(blank, '', cmd);
    assert.ok(para.length > 0 && para.every((l) => l !== '' && l.length <= 78), `${cmd}: one paragraph in 78 columns`);
  }
});

test('--help anywhere else keeps its 0.76 meaning', async (t) => {
  const { dir, cleanup } = tempDir('svkit-help-');
  t.after(cleanup);
  mkdirSync(`${dir}/env`);
  // a chain-loader's child gets --help
  const show = ['/bin/sh', '-c', 'printf "%s\\n" "$@"', 'sh', '--help'];
  const env = await run(ours('envdir'), [`${dir}/env`, ...show], { stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(env.stdout, '--help\n');
  const pg = await run(ours('pgrphack'), show, { stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(pg.stdout, '--help\n');
  // svstat takes every other argument as a directory
  const st = await run(ours('svstat'), ['--help', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(st.stdout, '--help: unable to chdir: file does not exist\n--help: unable to chdir: file does not exist\n');
  // getopt tools: an illegal option, as before --help existed (texts and exit code unchanged)
  const cases: string[][] = [['svc', '--help', dir], ['softlimit', '--help', 'true'], ['setlock', '--help', 'x', 'true']];
  for (const [cmd, ...args] of cases) {
    const r = await run(ours(cmd!), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(r.code, 100, cmd);
    assert.match(r.stderr, new RegExp(`^${cmd}: illegal option -- -\\n`), cmd);
  }
});
