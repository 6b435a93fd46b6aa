/** procServ's PID file (`-p`) and info file (`-I`: `pid:N` and one line per endpoint). */
import { unlinkSync, writeFileSync } from 'node:fs';

/** Writes the PID file and/or info file; returns a function removing them. */
export function writeInstanceFiles(pidFile: string | undefined, infoFile: string | undefined, endpoints: string[]): () => void {
  const written: string[] = [];
  if (pidFile) {
    writeFileSync(pidFile, `${process.pid}\n`);
    written.push(pidFile);
  }
  if (infoFile) {
    writeFileSync(infoFile, `pid:${process.pid}\n${endpoints.map((e) => `${e}\n`).join('')}`);
    written.push(infoFile);
  }
  return () => {
    for (const f of written) {
      try { unlinkSync(f); } catch { /* already gone */ }
    }
  };
}
