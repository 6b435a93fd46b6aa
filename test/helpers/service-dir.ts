/** Builds service directories for tests: DIR/run (and optionally log/run, down, extra files). */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { ours as oursFn, start as startFn } from './proc.js';
import { join } from 'node:path';

/** Creates DIR/NAME with an executable `run` holding `script` (a /bin/sh script body). */
export function makeService(root: string, name: string, script: string, files: Record<string, string> = {}): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'run'), `#!/bin/sh\n${script}\n`);
  chmodSync(join(dir, 'run'), 0o755);
  for (const [f, body] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), body);
    if (f.endsWith('run') || f === 'finish') chmodSync(join(dir, f), 0o755);
  }
  return dir;
}

/** The raw 18-byte status record of DIR, decoded (pid, paused, want, seconds). */
export function rawStatus(dir: string): { pid: number; paused: number; want: number; tai: bigint; nsec: number } {
  const b = readFileSync(join(dir, 'supervise', 'status'));
  return { tai: b.readBigUInt64BE(0), nsec: b.readUInt32BE(8), pid: b.readUInt32LE(12), paused: b[16]!, want: b[17]! };
}

/** Ends a test's supervise cleanly: `svc -dx`, wait for it to exit (so its service is down), then SIGKILL if needed. */
export async function stopSupervise(dir: string, sv: { child: { exitCode: number | null; signalCode: string | null }; stop(sig?: NodeJS.Signals): Promise<void> }): Promise<void> {
  const { run, waitFor } = await import('./proc.js');
  await run(oursFn('svc'), ['-dx', dir]);
  await waitFor(() => sv.child.exitCode !== null || sv.child.signalCode !== null, 5000, 'supervise exit').catch(() => undefined);
  await sv.stop('SIGKILL');
}

/** Starts our supervise on DIR for a test; the test's cleanup stops it cleanly, SIGKILLs `extraPids()`, runs `cleanup`. */
export function superviseDir(
  t: { after(fn: () => Promise<void> | void): void },
  dir: string,
  cleanup: () => void,
  extraPids: () => number[] = () => [],
): ReturnType<typeof import('./proc.js').start> {
  const sv = startFn(oursFn('supervise'), [dir]);
  t.after(async () => {
    await stopSupervise(dir, sv);
    for (const p of extraPids()) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
    cleanup();
  });
  return sv;
}

/** The number written in DIR/FILE by a fixture, 0 while there is none. */
export const pidIn = (dir: string, f: string): number => (existsSync(join(dir, f)) ? Number(readFileSync(join(dir, f), 'utf8').trim()) : 0);
/** The non-empty lines of a file, [] while it does not exist. */
export const fileLines = (p: string): string[] => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean) : []);
/** svkit's extra state of DIR (supervise/state.json). */
export const extraState = (dir: string): Record<string, any> => JSON.parse(readFileSync(join(dir, 'supervise/state.json'), 'utf8'));
