/** A small getopt(3) in daemontools' style: clustered flags, attached or separate values, `--`. */

/** Result of parsing: the options in order and the remaining arguments, or the first error. */
export type GetoptResult =
  | { ok: true; opts: Array<{ opt: string; value?: string }>; rest: string[] }
  | { ok: false; message: string };

/**
 * Parses `argv` against `spec` (letters; a letter followed by ':' takes a value). Stops at the
 * first argument that is not an option, at `-`, or after `--`. Errors read like daemontools':
 * `illegal option -- z`, `option requires an argument -- m`.
 */
export function getopt(argv: string[], spec: string): GetoptResult {
  const opts: Array<{ opt: string; value?: string }> = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { i++; break; }
    if (a.length < 2 || a[0] !== '-') break;
    for (let j = 1; j < a.length; j++) {
      const opt = a[j]!;
      const at = opt === ':' ? -1 : spec.indexOf(opt);
      if (at < 0) return { ok: false, message: `illegal option -- ${opt}` };
      if (spec[at + 1] !== ':') { opts.push({ opt }); continue; }
      if (j + 1 < a.length) { opts.push({ opt, value: a.slice(j + 1) }); break; }
      if (i + 1 >= argv.length) return { ok: false, message: `option requires an argument -- ${opt}` };
      opts.push({ opt, value: argv[++i]! });
      break;
    }
  }
  return { ok: true, opts, rest: argv.slice(i) };
}
