/**
 * Catches TERM, INT and HUP from the first moment JavaScript runs, before svscan's modules load.
 * As PID 1 of a PID namespace (a container), the kernel drops a signal whose disposition is the
 * default, so a `docker stop` that comes while svscan starts would otherwise be lost for good. The
 * bin launcher imports this module alone, then the rest; svscan's main takes over the signals and
 * acts on the ones recorded meanwhile. Node itself leaves no way to catch a signal earlier: it resets
 * every disposition and unblocks every signal while it boots, before any JavaScript runs.
 */

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/** The signals recorded before svscan's own handlers existed, in order, and the handler that records them. */
interface Early {
  signals: NodeJS.Signals[];
  record: (sig: NodeJS.Signals) => void;
}

/**
 * One record per process, however many copies of this module run: bin/svscan imports this file
 * alone, then svscan's bundle (dist/bundle/svscan.js), which carries a copy of its own (a bundle
 * that imported this file instead would cost svscan ~4 MB of Node's code pages: see bench/).
 */
const KEY = Symbol.for('svkit.svscan.early-signals');
const shared = globalThis as { [KEY]?: Early };
const state: Early = shared[KEY] ??= startRecording();

function startRecording(): Early {
  const early: Early = { signals: [], record: (sig) => void early.signals.push(sig) };
  for (const sig of SIGNALS) process.on(sig, early.record);
  return early;
}

/**
 * Stops recording and returns what came so far. Call it after installing the real handlers: with no
 * listener at all Node would give the signal its default disposition back (and PID 1 would drop it).
 */
export function takeEarlySignals(): NodeJS.Signals[] {
  for (const sig of SIGNALS) process.off(sig, state.record);
  return state.signals.splice(0);
}
