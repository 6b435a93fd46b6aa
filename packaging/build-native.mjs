// Builds build/native/svscan-front, the small C program bin/svscan runs in front of itself when it
// is PID 1 (a container), so that a signal during Node's start-up is not lost (see
// packages/supervise/native/svscan-front.c). Run at install ("install" in package.json), in a clone
// and in the installed package (which carries the source as dist/native/svscan-front.c). Never fails
// the install: without a C compiler it prints one warning line and svscan runs without it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = [join(root, 'packages/supervise/native/svscan-front.c'), join(root, 'dist/native/svscan-front.c')].find((f) => existsSync(f));
const out = join(root, 'build/native/svscan-front');
const LOST = 'svscan as PID 1 then loses a SIGTERM sent during its first ~100 ms (use docker run --init)';

function warn(why) {
  process.stderr.write(`svkit: warning: svscan-front not built (${why}): ${LOST}\n`);
}

try {
  if (!src) {
    warn('no svscan-front.c');
  } else {
    mkdirSync(dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}`;
    const compilers = process.env.CC ? [process.env.CC] : ['cc', 'gcc', 'clang'];
    let why = `no C compiler: ${compilers.join(', ')} not found`;
    for (const cc of compilers) {
      const r = spawnSync(cc, ['-O2', '-o', tmp, src], { encoding: 'utf8' });
      if (r.error?.code === 'ENOENT') continue;
      if (r.status === 0) {
        renameSync(tmp, out);
        why = '';
      } else {
        rmSync(tmp, { force: true });
        const first = `${r.stderr ?? ''}${r.error?.message ?? ''}`.split('\n').find((l) => /error/i.test(l)) ?? `exit ${r.status}`;
        why = `${cc} failed: ${first.trim()}`;
      }
      break;
    }
    if (why) warn(why);
  }
} catch (e) {
  warn(e instanceof Error ? e.message : String(e));
}
