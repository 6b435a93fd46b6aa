/**
 * Catches TERM, INT and HUP from the first moment JavaScript runs, before svscan's modules load.
 * As PID 1 of a PID namespace (a container), the kernel drops a signal whose disposition is the
 * default, so a `docker stop` that comes while svscan starts would otherwise be lost for good. The
 * bin launcher imports this module alone, then the rest; svscan's main takes over the signals and
 * acts on the ones recorded meanwhile. Node itself leaves no way to catch a signal earlier: it resets
 * every disposition and unblocks every signal while it boots, before any JavaScript runs.
 */

/** The signals recorded before svscan's own handlers existed, in order. */
const early: NodeJS.Signals[] = [];
const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];
const record = (sig: NodeJS.Signals): void => { early.push(sig); };
for (const sig of SIGNALS) process.on(sig, record);

/**
 * Stops recording and returns what came so far. Call it after installing the real handlers: with no
 * listener at all Node would give the signal its default disposition back (and PID 1 would drop it).
 */
export function takeEarlySignals(): NodeJS.Signals[] {
  for (const sig of SIGNALS) process.off(sig, record);
  return early.splice(0);
}
