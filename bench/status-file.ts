/** Reads the daemontools 18-byte supervise/status record directly (no process per check). */
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';

const buf = Buffer.alloc(18);

/** PID of the running service in `dir` per supervise/status: 0 = down, undefined = no readable status. */
export function statusPid(dir: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(join(dir, 'supervise/status'), 'r');
  } catch {
    return undefined;
  }
  try {
    return readSync(fd, buf, 0, 18, 0) >= 16 ? buf.readUInt32LE(12) : undefined;
  } finally {
    closeSync(fd);
  }
}
