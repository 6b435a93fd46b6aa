/** envdir DIR CHILD: runs CHILD with the environment changed by the files in DIR. */
import { processIo, runMain, type Io, helpWanted, printHelp } from '@svkit/diag';
import { applyEnvDir, EnvDirError, printableName } from './env-dir.js';
import { execChild } from './child-exec.js';

/** The usage line of `--help`. */
const USAGE = 'envdir dir child';
/** `envdir --help`: this paragraph (man page DESCRIPTION). */
const ABOUT =
  'Runs CHILD (searched on PATH) with the environment changed by the files in DIR, as daemontools 0.76\'s envdir: for each file (names starting with a dot skipped), an empty file removes the variable, any other sets it to its first line, trailing spaces and tabs removed and NUL bytes turned into newlines. envdir replaces itself with CHILD (same pid). Exit 111 on any error, a usage error included; CHILD\'s exit code otherwise. Arguments after DIR, --help too, belong to CHILD.';

/** Runs envdir; returns only on failure (usage exits 111, as daemontools 0.76 does). */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('envdir', io, (e) => {
    if (helpWanted(argv)) return printHelp(e, USAGE, ABOUT);
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
