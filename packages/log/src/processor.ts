/**
 * Runs a multilog processor: `sh -c PROCESSOR` in the log directory with stdin = `previous`,
 * stdout = `processed`, fd 4 = `state` (read), fd 5 = `newstate` (write); stderr is inherited.
 */
import { spawn } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { join } from 'node:path';

/** How a processor run ended. */
export interface ProcessorResult {
  ok: boolean;
  /** Exit code or signal, for the warning. */
  how: string;
}

/** Runs `command` on `dir/previous`; resolves when it exits (never rejects: failures are results). */
export function runProcessor(dir: string, command: string): Promise<ProcessorResult> {
  const fds: number[] = [];
  try {
    fds.push(openSync(join(dir, 'previous'), constants.O_RDONLY));
    fds.push(openSync(join(dir, 'processed'), constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o644));
    fds.push(openSync(join(dir, 'state'), constants.O_RDONLY | constants.O_CREAT, 0o644));
    fds.push(openSync(join(dir, 'newstate'), constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o644));
  } catch (e) {
    for (const fd of fds) closeSync(fd);
    return Promise.reject(e);
  }
  const [prev, processed, state, newstate] = fds as [number, number, number, number];
  return new Promise((resolve) => {
    const done = (r: ProcessorResult): void => {
      for (const fd of fds) {
        try { closeSync(fd); } catch { /* already closed */ }
      }
      resolve(r);
    };
    let child;
    try {
      child = spawn('/bin/sh', ['-c', command], { cwd: dir, stdio: [prev, processed, 'inherit', 'ignore', state, newstate] });
    } catch (e) {
      done({ ok: false, how: String((e as Error).message) });
      return;
    }
    child.on('error', (e) => done({ ok: false, how: e.message }));
    child.on('exit', (code, signal) => done({ ok: code === 0, how: signal ? `signal ${signal}` : `exit code ${code}` }));
  });
}
