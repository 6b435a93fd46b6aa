/** Builds service directories for tests: DIR/run (and optionally log/run, down, extra files). */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
  const { ours, run, waitFor } = await import('./proc.js');
  await run(ours('svc'), ['-dx', dir]);
  await waitFor(() => sv.child.exitCode !== null || sv.child.signalCode !== null, 5000, 'supervise exit').catch(() => undefined);
  await sv.stop('SIGKILL');
}
