/** Waiting helpers: async sleeps, condition polling, and a precise synchronous nap for tight timing loops. */

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` every `everyMs` until it holds; throws after `timeoutMs` naming `what`. */
export async function waitFor(cond: () => boolean, timeoutMs: number, what: string, everyMs = 20): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

const napCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` (sub-millisecond allowed): spin loops that sleep instead of burning a core. */
export function nap(ms: number): void {
  Atomics.wait(napCell, 0, 0, ms);
}

/** Spins (with `stepMs` naps) until `cond` holds; returns performance.now() at that moment. Throws after `timeoutMs`. */
export function spinUntil(cond: () => boolean, timeoutMs: number, what: string, stepMs = 0.1): number {
  const end = performance.now() + timeoutMs;
  for (;;) {
    if (cond()) return performance.now();
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    nap(stepMs);
  }
}
