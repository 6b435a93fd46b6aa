/**
 * Catches TERM, INT and HUP from the first moment JavaScript runs, before svscan's modules load.
 * As PID 1 of a PID namespace (a container), the kernel drops a signal whose disposition is the
 * default, so a `docker stop` that comes while svscan starts would otherwise be lost for good. The
 * bin launcher imports this module alone, then the rest; svscan's main takes over the signals and
 * acts on the ones recorded meanwhile. Node itself leaves no way to catch a signal earlier: it resets
 * every disposition and unblocks every signal while it boots, before any JavaScript runs: as PID 1,
 * bin/svscan runs svscan-front (native/svscan-front.c) in front of Node, which holds the signals that
 * come meanwhile and passes them on once this module tells it, through SVKIT_FRONT_FD, that they
 * are caught.
 */
import { closeSync, fstatSync, writeSync } from 'node:fs';

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/** The signals recorded before svscan's own handlers existed, in order, and the handler that records them. */
interface Early {
  signals: NodeJS.Signals[];
  record: (sig: NodeJS.Signals) => void;
  /** svscan-front runs in front of this process (it is then PID 2, the front PID 1). */
  front: boolean;
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
  const early: Early = { signals: [], record: (sig) => void early.signals.push(sig), front: false };
  for (const sig of SIGNALS) process.on(sig, early.record);
  early.front = tellFront(); // once the handlers are in place; only the first copy sees the variable
  return early;
}

/**
 * Writes svscan-front's ready byte (TERM, INT and HUP are caught now) and closes the pipe; the
 * variable goes, so that no service sees it. False when there is no front.
 */
function tellFront(): boolean {
  const v = process.env.SVKIT_FRONT_FD;
  if (v === undefined) return false;
  delete process.env.SVKIT_FRONT_FD;
  const fd = /^\d{1,4}$/.test(v) ? Number(v) : -1;
  try {
    if (fd < 3 || !fstatSync(fd).isFIFO()) return false; // not the front's pipe: leave it alone
  } catch {
    return false; // not open
  }
  try {
    writeSync(fd, Buffer.of(1));
    return true;
  } catch {
    return false; // the front is gone (EPIPE)
  } finally {
    closeSync(fd);
  }
}

/** True when svscan-front is this process's parent (the PID 1 of a container): svscan then reaps orphans. */
export function underFront(): boolean {
  return state.front;
}

/**
 * Stops recording and returns what came so far. Call it after installing the real handlers: with no
 * listener at all Node would give the signal its default disposition back (and PID 1 would drop it).
 */
export function takeEarlySignals(): NodeJS.Signals[] {
  for (const sig of SIGNALS) process.off(sig, state.record);
  return state.signals.splice(0);
}
