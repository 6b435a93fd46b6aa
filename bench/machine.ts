/** A one-paragraph description of the machine the bench ran on (for RESULTS.md). */
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { availableParallelism } from 'node:os';

/** nproc, CPU model, memory, Node version, kernel. */
export function describeMachine(): string {
  let model = cpus()[0]?.model ?? 'unknown CPU';
  try {
    const m = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) model = m[1]!.trim();
  } catch { /* keep os.cpus() */ }
  const gib = (totalmem() / 2 ** 30).toFixed(1);
  return `nproc ${availableParallelism()}, ${model}, ${gib} GiB RAM, Node ${process.version}, Linux ${release()}`;
}

/** The 1-minute load average, to flag a busy machine. */
export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
}
