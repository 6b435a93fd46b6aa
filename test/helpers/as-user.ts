/** Running commands as another (untrusted) user, and handing files over to that user. */
import { execFileSync, type SpawnOptions } from 'node:child_process';
import { chownSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { run, type RunResult } from './proc.js';

/** The untrusted user of the trust tests: `nobody`, primary group `nogroup`. */
export const NOBODY = 65534;

/** Runs `cmd args` as uid `uid` (gid `opts.gid`, default the same number), without supplementary groups. */
export function asUser(uid: number, cmd: string, args: string[], opts: SpawnOptions & { gid?: number; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const { gid = uid, ...rest } = opts;
  return run('setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', cmd, ...args], rest);
}

/** Runs a /bin/sh script as `uid`; throws with its stderr when it fails (a test step, not a probe). */
export async function shAs(uid: number, script: string, cwd?: string): Promise<void> {
  const r = await asUser(uid, '/bin/sh', ['-ec', script], { cwd });
  if (r.code !== 0) throw new Error(`as uid ${uid}: \`${script}\` failed (${r.code ?? r.signal}): ${r.stderr}`);
}

/** chown -R without following symlinks. */
export function chownTree(path: string, uid: number, gid = uid): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  chownSync(path, uid, gid);
  if (st.isDirectory()) for (const f of readdirSync(path)) chownTree(join(path, f), uid, gid);
}

/** Makes a FIFO at `path` with `mode` (as the test's user). */
export function mkfifo(path: string, mode = 0o600): void {
  execFileSync('mkfifo', ['-m', mode.toString(8), path]);
}
