/**
 * The Node/V8 flags svscan runs with: a supervisor lives for ever and should hold as little memory
 * as it can. They must be on node's command line (bin/svscan's launcher): V8 sizes its heap when
 * it starts, and v8.setFlagsFromString in svscan itself comes too late (measured: no effect). Every
 * flag is accepted silently by Node 20, 22 and 24 (test/supervise/svscan-flags.test.ts).
 *
 * Measured on Node 20 (x64, `sleep` services, PSS/anonymous memory 3 s after all are up):
 * - `--max-semi-space-size=1` caps V8's young generation at 2 x 1 MB. By default it grows to
 *   2 x 16 MB while 1000 services start and stays there: 32 -> 20 MB anonymous memory (PSS 37 ->
 *   25 MB) at 1000 services, 30 -> 19 MB in a crash loop of 200 services; nothing at 10 services
 *   (the young generation never grew). Cost: more, smaller scavenges while 1000 services start
 *   (--trace-gc: 91 taking 120-210 ms in all, against 23-30 taking 75-160 ms), lost in the noise
 *   of the start-up time (9.5-16.5 s vs 10.0-12.0 s on a loaded machine) and of crash-loop CPU
 *   (8.9-9.3 s vs 9.1-9.4 s over 15 s of 200 crash-looping services).
 *
 * Left out: `--lite-mode` / `--jitless` (0.7 MB less at 10 services once svscan is one bundle, but
 * a warning on stderr at every start on Node 20 and 22, and an interpreter-only svscan for 1000
 * services; `--no-expose-wasm`, which silences the warning, is a bad option to Node 24);
 * `--no-opt --no-sparkplug`, `--single-threaded(-gc)`, `--v8-pool-size=1`, `--max-lazy`,
 * `--optimize-for-size`, `--stack-size`, `--max-old-space-size`: no difference above the noise
 * (0.1-0.4 MB).
 */
export const SVSCAN_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];
