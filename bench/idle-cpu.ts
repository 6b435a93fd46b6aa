/** Idle CPU: utime+stime consumed by a set of processes over a quiet interval. */
import { cpuMs } from './proc-info.js';
import { sleep } from './sleep.js';

/** CPU ms used by `pids` (re-read at the end, gone ones count 0) during `seconds`. */
export async function idleCpuMs(pids: () => number[], seconds: number): Promise<number> {
  const before = pids();
  const t0 = cpuMs(before);
  await sleep(seconds * 1000);
  return cpuMs(before) - t0;
}
