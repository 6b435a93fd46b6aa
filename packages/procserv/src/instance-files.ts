/** procServ's PID file (`-p`) and info file (`-I`: `pid:N` and one line per endpoint). */
import { unlinkSync } from 'node:fs';
import { writeAtomic } from '@svkit/sys';

/** Writes the PID file and/or info file; returns a function removing them. */
export function writeInstanceFiles(pidFile: string | undefined, infoFile: string | undefined, endpoints: string[]): () => void {
  const written: string[] = [];
  if (pidFile) {
    writeAtomic(`${pidFile}.${process.pid}.tmp`, pidFile, Buffer.from(`${process.pid}\n`), 0o644);
    written.push(pidFile);
  }
  if (infoFile) {
    writeAtomic(`${infoFile}.${process.pid}.tmp`, infoFile, Buffer.from(`pid:${process.pid}\n${endpoints.map((e) => `${e}\n`).join('')}`), 0o644);
    written.push(infoFile);
  }
  return () => {
    for (const f of written) {
      try { unlinkSync(f); } catch { /* already gone */ }
    }
  };
}
