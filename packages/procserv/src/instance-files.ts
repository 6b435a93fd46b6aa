/**
 * procServ's PID file (`-p`) and info file (`-I`: `pid:N` and one line per endpoint). Each is
 * written to a new temporary file beside it (created exclusively, so a link planted at that name is
 * never followed; mode set on the descriptor), then renamed into place; at exit it is removed only
 * if the name still holds the file we wrote.
 */
import { closeSync, constants, fchmodSync, fstatSync, lstatSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { errnoError } from '@svkit/diag';

/** Temporary names tried before giving up (each is random: only a hostile directory makes one exist). */
const TMP_TRIES = 8;

/** Writes `data` to `dest` through a fresh temporary file; returns the identity of the file written. */
function writeFresh(dest: string, data: Buffer): { dev: number; ino: number } {
  for (let i = 0; i < TMP_TRIES; i++) {
    const tmp = `${dest}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    let fd: number;
    try {
      fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | constants.O_NOCTTY, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw e;
    }
    try {
      fchmodSync(fd, 0o644);
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off);
      const st = fstatSync(fd);
      renameSync(tmp, dest);
      return { dev: st.dev, ino: st.ino };
    } catch (e) {
      try { unlinkSync(tmp); } catch { /* gone */ }
      throw e;
    } finally {
      closeSync(fd);
    }
  }
  throw errnoError('EEXIST', `unable to make a temporary file beside ${dest}`);
}

/** Writes the PID file and/or info file; returns a function removing them. */
export function writeInstanceFiles(pidFile: string | undefined, infoFile: string | undefined, endpoints: string[]): () => void {
  const written: { path: string; dev: number; ino: number }[] = [];
  if (pidFile) written.push({ path: pidFile, ...writeFresh(pidFile, Buffer.from(`${process.pid}\n`)) });
  if (infoFile) written.push({ path: infoFile, ...writeFresh(infoFile, Buffer.from(`pid:${process.pid}\n${endpoints.map((e) => `${e}\n`).join('')}`)) });
  return () => {
    for (const f of written) {
      try {
        const st = lstatSync(f.path);
        if (st.dev === f.dev && st.ino === f.ino) unlinkSync(f.path);
      } catch { /* already gone */ }
    }
  };
}
