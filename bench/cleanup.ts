/**
 * Process and temp-dir hygiene: every case registers how to undo what it started; the registry
 * runs in finally blocks and on SIGINT/SIGTERM, so an interrupted bench leaves nothing behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Undo = () => void | Promise<void>;

const undos = new Set<Undo>();

/** Registers `undo`; returns a function that runs it once and unregisters it. */
export function onCleanup(undo: Undo): () => Promise<void> {
  undos.add(undo);
  return async () => {
    if (!undos.delete(undo)) return;
    await undo();
  };
}

/** Runs every registered undo, newest first, ignoring their errors. */
export async function cleanupAll(): Promise<void> {
  for (const u of [...undos].reverse()) {
    undos.delete(u);
    try {
      await u();
    } catch { /* best effort */ }
  }
}

/** Installs SIGINT/SIGTERM handlers that clean up and exit 130/143. */
export function cleanupOnSignals(): void {
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(sig, () => {
      process.stderr.write(`\nbench: ${sig}: cleaning up\n`);
      void cleanupAll().finally(() => process.exit(code));
    });
  }
}

/** A fresh temp directory, removed by the returned function (also registered for cleanup). */
export function tempDir(prefix: string): { dir: string; remove: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), `svkit-bench-${prefix}-`));
  const remove = onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, remove };
}

/** Sends `sig` to the process group `pgid`, ignoring "no such process". */
export function killGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch { /* gone */ }
}

/** Sends `sig` to `pid`, ignoring "no such process". */
export function killPid(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch { /* gone */ }
}
