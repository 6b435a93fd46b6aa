/** Console payload: base64 text in 76-column lines (what a chatty program prints), written and fsynced. */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';

/** Writes about `mb` MiB of base64 lines to `path`; returns its size in bytes. */
export function writeConsoleData(path: string, mb: number): number {
  const fd = openSync(path, 'w');
  let total = 0;
  try {
    while (total < mb * 1024 * 1024) {
      const b64 = randomBytes(57 * 4096).toString('base64'); // 57 bytes = one 76-char line
      const lines = b64.match(/.{1,76}/g)!.join('\n');
      total += writeSync(fd, `${lines}\n`);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return total;
}
