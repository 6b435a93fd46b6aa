/** Creating service directories (a run script, nothing else) for the supervision cases. */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A run script that becomes `sleep SECONDS` (exec: the service's pid is sleep's). */
export function sleepRun(seconds: number): string {
  return `#!/bin/sh\nexec sleep ${seconds}\n`;
}

/** Makes `parent/name` with an executable ./run holding `script`; returns its path. */
export function makeService(parent: string, name: string, script: string): string {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'run'), script);
  chmodSync(join(dir, 'run'), 0o755);
  return dir;
}

/** Makes services s1..sN under `parent`, each running `script`; returns their paths. */
export function makeServices(parent: string, n: number, script: string): string[] {
  const dirs: string[] = [];
  for (let i = 1; i <= n; i++) dirs.push(makeService(parent, `s${i}`, script));
  return dirs;
}
