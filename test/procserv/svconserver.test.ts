/** svconserver: conserver.cf entries from the run scripts of a scan directory, read as untrusted input. */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { chownTree, mkfifo, NOBODY } from '../helpers/as-user.js';
import { ours, run, tempDir } from '../helpers/proc.js';
import { makeService } from '../helpers/service-dir.js';

test('svconserver prints one console entry per procserv service: name, type uds, socket path, logfile', async (t) => {
  const { dir, cleanup } = tempDir('svkit-svconserver-');
  t.after(cleanup);
  const scan = join(dir, 'service');
  makeService(scan, 'ioc1', 'exec 2>&1\nexec procserv -f -L - -n ioc1 --console-group dialout unix:./console ./st.cmd');
  // the tutorial's procServ line, continued over lines, with long options and an absolute socket
  makeService(scan, 'ioc@tut', "exec 2>&1\nexec /usr/bin/procServ --foreground --name='tut' --logfile=- \\\n  --port=unix:/run/procServ/tut/control iocsh.bash st.cmd # comment");
  makeService(scan, 'noname', 'exec setuidgid iocuser procserv -f -P unix:root:dialout:0660:sock ./st.cmd');
  makeService(scan, 'tcp', 'exec procserv -f -n tcpioc 2001 ./st.cmd');
  makeService(scan, 'plain', '# procserv is mentioned only here\nexec sleep 100');
  mkdirSync(join(scan, '.hidden'));
  writeFileSync(join(scan, 'not-a-dir'), '');
  const r = await run(ours('svconserver'), [scan]);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, [
    `# conserver.cf console entries for the procserv consoles in ${scan} (written by svconserver)`,
    `console ioc1 { master localhost; type uds; uds ${scan}/ioc1/console; logfile /var/log/conserver/ioc1.log; }`,
    'console tut { master localhost; type uds; uds /run/procServ/tut/control; logfile /var/log/conserver/tut.log; }',
    `console noname { master localhost; type uds; uds ${scan}/noname/sock; logfile /var/log/conserver/noname.log; }`,
    'console tcpioc { master localhost; type host; host 127.0.0.1; port 2001; protocol telnet; logfile /var/log/conserver/tcpioc.log; }',
    '',
  ].join('\n'));
  const opt = await run(ours('svconserver'), ['--no-logfile', '--master', 'cs1', scan]);
  assert.match(opt.stdout, /^console ioc1 \{ master cs1; type uds; uds \S+\/ioc1\/console; \}$/m);
  const dirOpt = await run(ours('svconserver'), ['--logdir=/srv/log', scan]);
  assert.match(dirOpt.stdout, /logfile \/srv\/log\/ioc1\.log; \}/);
});

test('svconserver: a hostile service directory can neither block it nor inject conserver configuration', async (t) => {
  const { dir, cleanup } = tempDir('svkit-svconserver-');
  t.after(cleanup);
  chmodSync(dir, 0o755);
  const scan = join(dir, 'service');
  makeService(scan, 'good', 'exec procserv -f unix:./console ./st.cmd');
  // a FIFO as run (opening it for reading would block forever), a link to root's file, a name and a path that would break out of the entry
  mkdirSync(join(scan, 'fifo'));
  mkfifo(join(scan, 'fifo', 'run'));
  mkdirSync(join(scan, 'link'));
  writeFileSync(join(dir, 'secret-run'), '#!/bin/sh\nexec procserv -f -n secret unix:/root/secret ./x\n');
  symlinkSync(join(dir, 'secret-run'), join(scan, 'link', 'run'));
  makeService(scan, 'inject', "exec procserv -f -n 'x; type exec; exec /bin/sh; } console y {' unix:./console ./st.cmd");
  makeService(scan, 'space', "exec procserv -f 'unix:./a b; type exec' ./st.cmd");
  makeService(scan, 'abstract', 'exec procserv -f unix:@ioc ./st.cmd');
  makeService(scan, 'zdup', 'exec procserv -f -n good unix:./console ./st.cmd');
  for (const d of ['fifo', 'link', 'inject', 'space']) chownTree(join(scan, d), NOBODY);
  const r = await run(ours('svconserver'), ['--no-logfile', scan], { timeoutMs: 20000 });
  assert.equal(r.code, 0);
  assert.equal(r.stdout, [
    `# conserver.cf console entries for the procserv consoles in ${scan} (written by svconserver)`,
    `console good { master localhost; type uds; uds ${scan}/good/console; }`,
    `console x--type-exec--exec--bin-sh----console-y-- { master localhost; type uds; uds ${scan}/inject/console; }`,
    '',
  ].join('\n'));
  assert.equal(r.stderr, [
    `svconserver: warning: unable to use ${scan}/abstract: its only console is an abstract socket, which conserver cannot reach`,
    `svconserver: warning: unable to read ${scan}/fifo/run: not a regular file`,
    `svconserver: warning: unable to read ${scan}/link/run: a symbolic link (not followed)`,
    `svconserver: warning: unable to use ${scan}/space: socket path "${scan}/space/a b; type exec" has characters conserver.cf would need quoted`,
    'svconserver: warning: unable to use zdup: console name good is already used by good',
    '',
  ].join('\n'));
});

test('svconserver: a service of nobody\'s cannot take the console name of root\'s IOC, another service\'s name, or a socket outside its directory', async (t) => {
  const { dir, cleanup } = tempDir('svkit-svconserver-');
  t.after(cleanup);
  chmodSync(dir, 0o755);
  const scan = join(dir, 'service');
  makeService(scan, 'ioc', 'exec procserv -f -n ioc1 unix:./console ./st.cmd');
  makeService(scan, 'plain', 'exec sleep 100');
  const evil: Record<string, string> = {
    'a-evil': 'exec procserv -f -n ioc1 unix:./console ./st.cmd', // sorts before root's ioc
    'b-plain': 'exec procserv -f -n plain unix:./console ./st.cmd',
    'c-abs': 'exec procserv -f -n c unix:/run/ioc/console ./st.cmd',
    'd-up': 'exec procserv -f -n d unix:../ioc/console ./st.cmd',
    'e-lnkdir': 'exec procserv -f -n e unix:./sub/console ./st.cmd',
    'f-lnk': 'exec procserv -f -n f unix:./console ./st.cmd',
    'g-tcp': 'exec procserv -f -n g 2001 ./st.cmd',
    'h-ok': 'exec procserv -f -n myioc unix:./console ./st.cmd',
    'i-self': 'exec procserv -f unix:./console ./st.cmd',
    'j-dup': 'exec procserv -f -n myioc unix:./console ./st.cmd',
  };
  for (const [name, script] of Object.entries(evil)) makeService(scan, name, script);
  symlinkSync('../ioc', join(scan, 'e-lnkdir', 'sub'));
  symlinkSync('../ioc/console', join(scan, 'f-lnk', 'console'));
  for (const name of Object.keys(evil)) chownTree(join(scan, name), NOBODY);
  // root's, but group-writable: others may rewrite its run, so it is not trusted either
  makeService(scan, 'k-gw', 'exec procserv -f -n ioc1 unix:./console ./st.cmd');
  chmodSync(join(scan, 'k-gw'), 0o775);
  const r = await run(ours('svconserver'), ['--no-logfile', scan], { timeoutMs: 20000 });
  assert.equal(r.code, 0);
  assert.equal(r.stdout, [
    `# conserver.cf console entries for the procserv consoles in ${scan} (written by svconserver)`,
    `console myioc { master localhost; type uds; uds ${scan}/h-ok/console; }`,
    `console i-self { master localhost; type uds; uds ${scan}/i-self/console; }`,
    `console ioc1 { master localhost; type uds; uds ${scan}/ioc/console; }`,
    '',
  ].join('\n'));
  const w = (s: string): string => `svconserver: warning: ${s}\n`;
  assert.equal(r.stderr, [
    w(`unable to use a-evil: console name ioc1 belongs to ioc (a service owned by uid ${NOBODY} cannot take a trusted service's name)`),
    w(`unable to use b-plain: console name plain is the name of another service (a service owned by uid ${NOBODY} may use its own name or a free one)`),
    w(`unable to use ${scan}/c-abs: socket path /run/ioc/console is outside the service directory (a service owned by uid ${NOBODY} may only name a socket inside)`),
    w(`unable to use ${scan}/d-up: socket path ${scan}/ioc/console is outside the service directory (a service owned by uid ${NOBODY} may only name a socket inside)`),
    w(`unable to use ${scan}/e-lnkdir: socket path ${scan}/e-lnkdir/sub/console goes through the symbolic link ${scan}/e-lnkdir/sub (a service owned by uid ${NOBODY} may only name a socket inside)`),
    w(`unable to use ${scan}/f-lnk: socket path ${scan}/f-lnk/console goes through the symbolic link ${scan}/f-lnk/console (a service owned by uid ${NOBODY} may only name a socket inside)`),
    w(`unable to use ${scan}/g-tcp: its console is a TCP port, which no directory owns (a service owned by uid ${NOBODY} may only name a socket inside)`),
    w('unable to use j-dup: console name myioc is already used by h-ok'),
    w(`unable to use k-gw: console name ioc1 belongs to ioc (a service writable by others cannot take a trusted service's name)`),
  ].join(''));
});

test('svconserver: usage and an unreadable scan directory', async () => {
  const u = await run(ours('svconserver'), []);
  assert.equal(u.code, 100);
  assert.equal(u.stderr, 'svconserver: usage: svconserver [--logdir DIR | --no-logfile] [--master HOST] SCANDIR\n');
  const h = await run(ours('svconserver'), ['--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /^Usage: svconserver/);
  const m = await run(ours('svconserver'), ['/nonexistent/service']);
  assert.equal(m.code, 111);
  assert.equal(m.stderr, 'svconserver: fatal: unable to read /nonexistent/service: file does not exist\n');
});
