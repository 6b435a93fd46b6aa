/** bench/RESULTS.md: the latest full table with date, machine and how each case was measured. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchCase } from './bench-case.js';
import { ROOT } from './tools.js';

/** What goes into RESULTS.md. */
export interface ResultsReport {
  date: Date;
  machine: string;
  loadBefore: string;
  loadAfter: string;
  seconds: number;
  table: string;
  cases: BenchCase[];
  missing: string[];
}

/** Path of RESULTS.md in the source tree. */
export const RESULTS_PATH = join(ROOT, 'bench', 'RESULTS.md');

/** Renders and writes RESULTS.md. */
export function writeResults(r: ResultsReport): void {
  const notes = r.cases.map((c) => `- **${c.name}**: ${c.method}`).join('\n');
  const missing = r.missing.length ? `\n**C tools missing on this machine (rows marked n/a): ${r.missing.join(', ')}.**\n` : '';
  const text = `# Bench results: svkit vs Debian daemontools 0.76 and procServ

Latest \`npm run bench\` (written by bench/run.ts; see bench/README.md).

- Date: ${r.date.toISOString()}
- Machine: ${r.machine}
- Load average before / after: ${r.loadBefore} / ${r.loadAfter}
- Bench wall time: ${(r.seconds / 60).toFixed(1)} min
${missing}
${r.table}
ratio = ours / theirs of the shown values (for MB/s higher is better, elsewhere lower is better).
"median of N" = N runs per side, ours and theirs alternating (who goes first alternates too).

## How each case is measured

${notes}
`;
  writeFileSync(RESULTS_PATH, text);
}
