/**
 * `supervise DIR` as root, DIR owned by another user: root does not work inside it. The supervise
 * that does runs as that user (uid, the account's gid and groups, through setpriv), in a session of
 * its own, with /dev/null as stdin, the user's own environment and working directory /, and only
 * pipes for stdout and stderr, which this root process copies into its own (owner-output.ts): the
 * user gets no descriptor of root's terminal, files or sockets. This process passes on TERM, INT
 * and HUP, and exits as that supervise does.
 */
import { resolve } from 'node:path';
import { constants } from 'node:os';
import { onChildExit, startReaping } from '@svkit/sys';
import { relayTo } from './owner-output.js';
import { ownerCredentials, ownerEnv, spawnAs } from './run-as.js';

/** Runs supervise on `dir` as `uid` (group `gid` without an account); resolves with its exit code. */
export function superviseAsOwner(dir: string, uid: number, gid: number): Promise<number> {
  startReaping();
  const out = relayTo(1, (n) => `supervise: warning: ${n} bytes of output of ${dir} dropped (too much, or our stdout not read)\n`);
  const err = relayTo(2, (n) => `supervise: warning: ${n} bytes of messages of ${dir} dropped (too much, or our stderr not read)\n`);
  const fds = new Map<number, number | 'null'>([[0, 'null'], [1, out.write], [2, err.write]]);
  let pid: number;
  try {
    pid = spawnAs({ file: process.execPath, argv: ['node', ...process.execArgv, process.argv[1]!, resolve(dir)], env: ownerEnv(uid), cwd: '/', fds, setsid: true, closeFrom: 3 }, ownerCredentials(uid, gid));
  } catch (e) {
    out.close();
    err.close();
    return Promise.reject(e);
  }
  const pass = (sig: NodeJS.Signals) => (): void => {
    try { process.kill(pid, sig); } catch { /* gone */ }
  };
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, pass(sig));
  return new Promise((done) => {
    onChildExit(pid, (how) => {
      out.close();
      err.close();
      done(how.code ?? 128 + ((constants.signals as Record<string, number>)[how.signal ?? 'SIGTERM'] ?? 15));
    });
  });
}
