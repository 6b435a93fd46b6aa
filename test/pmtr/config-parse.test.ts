/** pmtr.conf's grammar: what pmtr accepts means the same; every error of the reference's table, each with its own line. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '@svkit/pmtr/config-parse';
import { ours, run, tempDir } from '../helpers/proc.js';

const errs = (text: string): string[] => parseConfig(text).errors.map((e) => `${e.line}: ${e.message}`);
const job = (body: string): string => `job {\n name a\n cmd /bin/true\n${body}\n}\n`;

test('a full job parses to what pmtr means', () => {
  const r = parseConfig([
    '# comment', 'report to udp://127.0.0.1:9999', 'listen on udp://127.0.0.1:10000',
    'job', '{', '  name web', '  cmd /bin/echo hello "a b"c "" x"y z" a#b # dropped', '    more args to on every {',
    '  dir /tmp', '  out o.txt', '  err e.txt', '  in /dev/null', '  env A=1', '  env B=x=y', '  user nobody', '  nice -5',
    '  cpu 0x5', '  cpu 1', '  ulimit -n 100', '  ulimit {', '    RLIMIT_CORE infinity', '    -u unlimited', '  }', '  bounce every 2m',
    '  depends {', '    a.txt', '    b.txt', '  }', '  disable', '  wait', '  once', '  order 3', '}', 'job {\r', ' name first\r', ' cmd /bin/true\r', ' order -1\r', '}\r',
  ].join('\n'));
  assert.deepEqual(r.errors, []);
  const [first, web] = r.config.jobs;
  assert.equal(first!.name, 'first'); // sorted by order
  assert.deepEqual(web!.cmd, ['/bin/echo', 'hello', 'a b', 'c', '', 'x"y', 'z"', 'a#b', 'more', 'args', 'to', 'on', 'every', '{']);
  assert.deepEqual([web!.dir, web!.out, web!.err, web!.in, web!.user, web!.nice, web!.order], ['/tmp', 'o.txt', 'e.txt', '/dev/null', 'nobody', -5, 3]);
  assert.deepEqual(web!.env, ['A=1', 'B=x=y']);
  assert.deepEqual(web!.cpu, [0, 1, 2]);
  assert.deepEqual(web!.ulimits, [{ resource: 'nofile', value: 100 }, { resource: 'core', value: 'unlimited' }, { resource: 'nproc', value: 'unlimited' }]);
  assert.equal(web!.bounce, 120);
  assert.deepEqual(web!.depends, ['a.txt', 'b.txt']);
  assert.deepEqual([web!.disable, web!.wait, web!.once], [true, true, true]);
  assert.deepEqual(r.config.reports.map((s) => [s.host, s.port]), [['127.0.0.1', 9999]]);
  assert.deepEqual(r.config.listens.map((s) => [s.host, s.port]), [['127.0.0.1', 10000]]);
  assert.deepEqual(parseConfig('').errors, []);
});

test('lax numbers are read as pmtr reads them, with a warning', () => {
  const r = parseConfig(job(' ulimit -n 10k\n nice 5x\n bounce every 1.5m'));
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.config.jobs[0]!.ulimits, [{ resource: 'nofile', value: 10 }]);
  assert.equal(r.config.jobs[0]!.nice, 5);
  assert.equal(r.config.jobs[0]!.bounce, 60);
  assert.equal(r.warnings.length, 3);
});

test('every error of the table, each on its own line', () => {
  assert.deepEqual(errs(job(' name b')), ['4: name respecified (first at line 2)']);
  for (const d of ['dir', 'out', 'err', 'in']) assert.deepEqual(errs(job(` ${d} x\n ${d} y`)), [`5: ${d} respecified (first at line 4)`]);
  assert.deepEqual(errs('job {\n cmd /bin/true\n}\n'), ['1: job has no name']);
  assert.deepEqual(errs(job(' env FOO')), ['4: environment string must be VAR=VALUE']);
  assert.deepEqual(errs(job(' nice x')), ['4: non-numeric nice parameter']);
  assert.deepEqual(errs(job(' nice 20')), ['4: nice out of range -20 to 19']);
  assert.deepEqual(errs(job(' order x')), ['4: non-numeric order parameter']);
  assert.deepEqual(errs(job(' bounce every 5')), ["4: invalid time interval in 'bounce every'"]);
  assert.deepEqual(errs(job(' bounce every 5x')), ["4: invalid time unit in 'bounce every'"]);
  assert.deepEqual(errs(job(` user ${'u'.repeat(100)}`)), ['4: user name too long']);
  assert.deepEqual(errs(job(' ulimit -n lots')), ['4: non-numeric ulimit value']);
  assert.deepEqual(errs(job(' ulimit -z 5')), ['4: unknown ulimit resource -z']);
  assert.deepEqual(errs(job(' ulimit -n infinity')), ['4: ulimit -n must be finite']);
  assert.deepEqual(errs(job(' cpu 0x')), ['4: parse error in cpuset']);
  assert.deepEqual(errs(job(' cpu 0xg')), ['4: invalid hex in cpuset']);
  for (const c of ['2-2', '4-2', '1-', '0,,1', '1-3-5', '0X3']) assert.deepEqual(errs(job(` cpu ${c}`)), ['4: syntax error in cpuset'], c);
  assert.deepEqual(errs('listen on 127.0.0.1:5\n'), ['1: required format: udp://1.2.3.4:5678[@eth2]']);
  assert.deepEqual(errs('\nreport to udp://127.0.0.1:70000\n'), ['2: required format: udp://1.2.3.4:5678[@eth2]']);
  assert.deepEqual(errs('job {\n name a\n cmd /bin/echo "x\n}\n'), ['3: unterminated quoted string']);
  assert.deepEqual(errs('job {\n name a\n bogus 1\n cmd /bin/true\n}\n'), ['3: unknown directive "bogus"']);
});

test('grammar errors pmtr reports as "error in FILE line N" get a message of their own', () => {
  assert.deepEqual(errs('job{\n name a\n}\n'), ['1: unexpected "job{": expected job, report or listen', '2: "name" is not allowed outside a job', '3: "}" is not allowed outside a job']);
  assert.deepEqual(errs('job {\n}\n'), ['1: empty job']);
  assert.deepEqual(errs('job {\n name a\n cmd /bin/true }\n'), ['3: "}" must stand on a line of its own']);
  assert.deepEqual(errs(job(' depends { /a }')), ['4: "}" must stand on a line of its own']);
  assert.deepEqual(errs(job(' depends {\n }')), ['4: depends block lists no file']);
  assert.deepEqual(errs(job(' report to udp://127.0.0.1:5')), ['4: "report" is not allowed inside a job']);
  assert.deepEqual(errs('job {\n name a\n cmd "/bin/true"\n}\n'), ['3: the program of cmd cannot be a quoted string: "/bin/true"']);
  assert.deepEqual(errs(job(' env "A=x y"')), ['4: a quoted string is allowed only in cmd arguments: "A=x y"']);
  assert.deepEqual(errs(job(' name')), ['4: name respecified (first at line 2)', '4: name needs a value']);
  assert.deepEqual(errs('job {\n name a\n cmd /bin/true\n'), ['3: job at line 1 has no closing "}"']);
  assert.deepEqual(errs('job {\n name a\n}\n'), ['1: job a has no cmd']);
  assert.deepEqual(errs(`${job('')}${job('')}`), ['6: job name a is used twice (also at line 1)']);
  assert.deepEqual(errs('job {\n name ../x\n cmd /bin/true\n}\n'), ['2: job name "../x" cannot name a directory (letters, digits and _.@+:=,%- only, not starting with .)']);
});

test('several errors are all reported, with their lines', () => {
  assert.deepEqual(errs('job {\n name a\n nice 99\n cmd /bin/true\n env X\n}\njob {\n name b\n cpu 9-1\n cmd /bin/true\n}\n'), [
    '3: nice out of range -20 to 19', '5: environment string must be VAR=VALUE', '9: syntax error in cpuset',
  ]);
});

test('pmtr -t: 0 for a good file, 100 and every error with file and line for a bad one', async (t) => {
  const { dir, cleanup } = tempDir('svkit-pmtr-');
  t.after(cleanup);
  const good = join(dir, 'good.conf');
  const bad = join(dir, 'bad.conf');
  writeFileSync(good, job(''));
  writeFileSync(bad, 'job {\n name a\n nice 99\n cmd /bin/true\n env X\n}\n');
  const ok = await run(ours('pmtr'), ['-t', '-c', good]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stderr, '');
  const r = await run(ours('pmtr'), ['-t', '-c', bad]);
  assert.equal(r.code, 100);
  assert.equal(r.stderr, `pmtr: ${bad} line 3: nice out of range -20 to 19\npmtr: ${bad} line 5: environment string must be VAR=VALUE\npmtr: fatal: 2 errors in ${bad}\n`);
  const missing = await run(ours('pmtr'), ['-t', '-c', join(dir, 'none.conf')]);
  assert.equal(missing.code, 111);
  assert.match(missing.stderr, /^pmtr: fatal: unable to read .*none\.conf: file does not exist\n$/);
  const usage = await run(ours('pmtr'), ['-x']);
  assert.equal(usage.code, 100);
  assert.match(usage.stderr, /unknown option '-x'/);
  const help = await run(ours('pmtr'), ['-h']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /-c, --config <file>/);
});

test('pmtr -t -v -v: every token on stdout as pmtr prints it (token [TEXT] id=N line=N); -v alone prints none', async (t) => {
  const { dir, cleanup } = tempDir('svkit-pmtr-');
  t.after(cleanup);
  const conf = join(dir, 'pmtr.conf');
  writeFileSync(conf, 'report to udp://127.0.0.1:9999\njob # c\n{\n name a\n cmd /bin/echo "a b"c x}\n bounce every 5s\n}\n');
  const r = await run(ours('pmtr'), ['-t', '-vv', '-c', conf]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, [
    'token [report] id=1 line=1', 'token [to] id=2 line=1', 'token [udp://127.0.0.1:9999] id=3 line=1',
    'token [job] id=6 line=2', 'token [{] id=7 line=3', 'token [name] id=9 line=4', 'token [a] id=3 line=4',
    'token [cmd] id=10 line=5', 'token [/bin/echo] id=3 line=5', 'token ["a b"] id=27 line=5', 'token [c] id=3 line=5', 'token [x}] id=3 line=5',
    'token [bounce] id=23 line=6', 'token [every] id=24 line=6', 'token [5s] id=3 line=6', 'token [}] id=8 line=7', '',
  ].join('\n'));
  assert.equal((await run(ours('pmtr'), ['-t', '-v', '-v', '-c', conf])).stdout, r.stdout);
  const one = await run(ours('pmtr'), ['-t', '-v', '-c', conf]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(one.stdout, '');
});
