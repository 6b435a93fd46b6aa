/** Where the programs under test live: ours in the repo's bin/, theirs (Debian's C tools) in /usr/bin. */
import { accessSync, constants } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (bench runs from build/bench/). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Which implementation: svkit's, or the C original. */
export type Side = 'ours' | 'theirs';

/** Path of our command `cmd`. */
export function ours(cmd: string): string {
  return join(ROOT, 'bin', cmd);
}

/** Path of the C tool `cmd` (daemontools and procServ install into /usr/bin). */
export function theirs(cmd: string): string {
  return join('/usr/bin', cmd);
}

/** Path of `cmd` for `side`. */
export function tool(side: Side, cmd: string): string {
  return side === 'ours' ? ours(cmd) : theirs(cmd);
}

/** True when every C tool named is installed and executable. */
export function haveC(...cmds: string[]): boolean {
  try {
    for (const c of cmds) accessSync(theirs(c), constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
