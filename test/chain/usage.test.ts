/** Usage errors of every program, in-process (main(argv, io) returns before any exec). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryIo } from '@svkit/diag';
import { main as envdir } from '@svkit/chain/envdir';
import { main as envuidgid } from '@svkit/chain/envuidgid';
import { main as setuidgid } from '@svkit/chain/setuidgid';
import { main as softlimit } from '@svkit/chain/softlimit';
import { main as setlock } from '@svkit/chain/setlock';
import { main as pgrphack } from '@svkit/chain/pgrphack';
import { main as fghack } from '@svkit/chain/fghack';

const cases: Array<[string, (argv: string[], io: ReturnType<typeof memoryIo>) => Promise<number>, string[], number, string]> = [
  ['envdir', envdir, ['dir'], 111, 'envdir: usage: envdir dir child\n'],
  ['envuidgid', envuidgid, ['nobody'], 100, 'envuidgid: usage: envuidgid account child\n'],
  ['setuidgid', setuidgid, [], 100, 'setuidgid: usage: setuidgid account child\n'],
  ['setuidgid', setuidgid, ['svkit-no-such-user', 'true'], 111, 'setuidgid: fatal: unknown account svkit-no-such-user\n'],
  ['softlimit', softlimit, ['-m', 'lots', 'true'], 100, 'softlimit: usage: softlimit [-a allbytes] [-c corebytes] [-d databytes] [-f filebytes] [-l lockbytes] [-m membytes] [-o openfiles] [-p processes] [-r residentbytes] [-s stackbytes] [-t cpusecs] child\n'],
  ['setlock', setlock, ['-q', 'f', 'true'], 100, 'setlock: illegal option -- q\nsetlock: usage: setlock [ -nNxX ] file program [ arg ... ]\n'],
  ['pgrphack', pgrphack, [], 100, 'pgrphack: usage: pgrphack child\n'],
  ['fghack', fghack, ['svkit-no-such-program'], 111, 'fghack: fatal: unable to run svkit-no-such-program: file does not exist\n'],
];

for (const [name, main, argv, code, stderr] of cases) {
  test(`${name} ${argv.join(' ')}: exit ${code}`, async () => {
    const io = memoryIo({ PATH: '/usr/bin:/bin' });
    assert.equal(await main(argv, io), code);
    assert.equal(io.stderr(), stderr);
    assert.equal(io.stdout(), '');
  });
}
