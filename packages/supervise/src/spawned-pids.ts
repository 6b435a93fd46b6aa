/** The pids this process spawned itself (libuv reaps those); the zombie reaper must leave them alone. */

const pids = new Set<number>();

/** Records a child we spawned. */
export function addSpawned(pid: number): void {
  pids.add(pid);
}

/** Forgets a child once its exit was seen. */
export function removeSpawned(pid: number): void {
  pids.delete(pid);
}

/** True when `pid` is one of our own spawned children. */
export function isSpawned(pid: number): boolean {
  return pids.has(pid);
}
