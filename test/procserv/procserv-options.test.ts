/** procserv --console-group: which socket files it applies to, and the refusals a user sees. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProcservArgs } from '@svkit/procserv/procserv-options';
import { asUser, NOBODY } from '../helpers/as-user.js';
import { ours, run } from '../helpers/proc.js';

test('--console-group: UNIX socket files without their own permissions get the group and 0660; explicit ones, abstract names and TCP are left alone', () => {
  const o = parseProcservArgs(['--console-group', 'dialout', '-P', 'unix:./console', '-P', 'unix:root:adm:0640:./other', '-P', 'unix:@abs', '-P', '2000', '-l', 'unix:./log', 'cmd'], {});
  assert.deepEqual(o.control.map((ep) => (ep.kind === 'unix' ? [ep.path, ep.group, ep.perm] : [ep.port])), [
    ['./console', 'dialout', 0o660], ['./other', 'adm', 0o640], ['abs', undefined, undefined], [2000],
  ]);
  assert.deepEqual(o.logPorts[0], { kind: 'unix', path: './log', abstract: false, group: 'dialout', perm: 0o660 });
  const plain = parseProcservArgs(['unix:./console', 'cmd'], {});
  assert.deepEqual(plain.control[0], { kind: 'unix', path: './console', abstract: false }, 'default: no group, created 0600');
});

test('--console-group: an unknown group, or one the user is not in, is a fatal error before anything starts', async () => {
  const r = await run(ours('procserv'), ['-f', '--console-group', 'svkit-no-such-group', 'unix:/nonexistent/c', '/bin/cat']);
  assert.equal(r.code, 111);
  assert.equal(r.stderr, 'procserv: fatal: unable to use console group svkit-no-such-group: no such group\n');
  const n = await asUser(NOBODY, ours('procserv'), ['-f', '--console-group', 'root', 'unix:/nonexistent/c', '/bin/cat']);
  assert.equal(n.code, 111);
  assert.equal(n.stderr, `procserv: fatal: unable to use console group root: uid ${NOBODY} is not a member (add the user to it, e.g. adduser USER root)\n`);
  const bad = await run(ours('procserv'), ['-f', '--console-group', 'a b', 'unix:./c', '/bin/cat']);
  assert.equal(bad.code, 100);
  assert.match(bad.stderr, /^procserv: usage: bad console group: a b\n/);
});
