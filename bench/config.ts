/** Bench settings: full run by default, BENCH_QUICK=1 for a fast smoke run. */

/** Sizes and repetitions of every case. */
export interface BenchConfig {
  quick: boolean;
  /** Service counts of the memory case; idle CPU is measured on the largest. */
  treeSizes: number[];
  /** Runs per side of the memory case for trees below 1000 services (1000: one run each). */
  treeReps: number;
  /** Seconds between "all up" and the PSS reading. */
  settleSeconds: number;
  /** Further seconds before the idle interval: Node shrinks its start-up heap with a major GC some 30-50 s after start, which is not idling. */
  idleSettleSeconds: number;
  idleSeconds: number;
  pickupReps: number;
  /** Rounds of the restart case; each round measures two restarts per side. */
  restartRounds: number;
  controlReps: number;
  wallReps: number;
  logMb: number;
  logReps: number;
  consoleMb: number;
  consoleReps: number;
  /** Services of the scale case's start-up and restart-all rows, and runs per side. */
  scaleServices: number;
  scaleReps: number;
  /** Crash-looping services of the scale case, and the seconds their supervisors' CPU is measured. */
  crashServices: number;
  crashSeconds: number;
}

/** The configuration from the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const quick = env.BENCH_QUICK === '1';
  return quick
    ? { quick, treeSizes: [10, 100], treeReps: 1, settleSeconds: 1, idleSettleSeconds: 0, idleSeconds: 5, pickupReps: 2, restartRounds: 1, controlReps: 2, wallReps: 3, logMb: 10, logReps: 1, consoleMb: 10, consoleReps: 1, scaleServices: 100, scaleReps: 1, crashServices: 50, crashSeconds: 5 }
    : { quick, treeSizes: [10, 100, 1000], treeReps: 3, settleSeconds: 3, idleSettleSeconds: 60, idleSeconds: 30, pickupReps: 3, restartRounds: 3, controlReps: 5, wallReps: 10, logMb: 100, logReps: 3, consoleMb: 50, consoleReps: 3, scaleServices: 1000, scaleReps: 2, crashServices: 200, crashSeconds: 30 };
}

/** The two sides in the order to run them in repetition `rep` (alternating who goes first). */
export function sidesFor(rep: number): ['ours', 'theirs'] | ['theirs', 'ours'] {
  return rep % 2 === 0 ? ['ours', 'theirs'] : ['theirs', 'ours'];
}
