/** The standard fds a supervisor gives ./run and ./finish, as spawnProcess takes them. */

/** fds 0, 1 and 2 of a child: one of ours, ours inherited as they are, or /dev/null. */
export type ChildStdio = [number | 'inherit' | 'ignore', number | 'inherit' | 'ignore', number | 'inherit' | 'ignore'];

/** The target fd -> source map for spawnProcess ('inherit': ours as it is, handed on even though Node marks 0-2 close-on-exec). */
export function childFds(stdio: readonly (number | 'inherit' | 'ignore')[]): Map<number, number | 'null'> {
  const fds = new Map<number, number | 'null'>();
  stdio.forEach((s, to) => {
    fds.set(to, s === 'ignore' ? 'null' : s === 'inherit' ? to : s);
  });
  return fds;
}
