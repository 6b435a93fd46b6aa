/** envdir DIR CHILD: runs CHILD with the environment changed by the files in DIR. */
import { processIo, runMain, type Io } from '@svkit/diag';
import { applyEnvDir, EnvDirError, printableName } from './env-dir.js';
import { execChild } from './child-exec.js';

/** Runs envdir; returns only on failure (usage exits 111, as daemontools 0.76 does). */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('envdir', io, (e) => {
    if (argv.length < 2) {
      io.err('envdir: usage: envdir dir child\n');
      return 111;
    }
    let env: NodeJS.ProcessEnv;
    try {
      env = applyEnvDir(argv[0]!, io.env, (name) =>
        e.warn(`skipped ${argv[0]}/${printableName(name)}: file name is not valid UTF-8`));
    } catch (err) {
      if (err instanceof EnvDirError) return e.dieSys(err.action, err.cause);
      throw err;
    }
    return execChild(e, argv.slice(1), env, { searchEnv: io.env }); // PATH lookup as 0.76: the old PATH
  });
}
