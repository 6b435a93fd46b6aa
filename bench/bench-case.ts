/** What a bench case is, and what it gets to run with. */
import type { BenchConfig } from './config.js';
import { sidesFor } from './config.js';
import type { Row } from './table.js';
import type { Side } from './tools.js';

/** Everything a case needs from the runner. */
export interface CaseContext {
  config: BenchConfig;
  /** True when the C tools of this case are installed. */
  haveTheirs: boolean;
  /** Progress line on stderr. */
  log(msg: string): void;
  /** The sides to run in repetition `rep`, alternating who goes first (ours only without the C tools). */
  sides(rep: number): Side[];
}

/** One case of the bench. */
export interface BenchCase {
  /** Name for the CLI filter. */
  name: string;
  /** Other names the filter accepts. */
  aliases: string[];
  /** C tools the case compares against (in /usr/bin). */
  needs: string[];
  /** How the case measures, for the notes in RESULTS.md. */
  method: string;
  run(ctx: CaseContext): Promise<Row[]>;
}

/** The sides for `rep`, restricted to ours when the C tools are missing. */
export function sidesOf(haveTheirs: boolean, rep: number): Side[] {
  return haveTheirs ? sidesFor(rep) : ['ours'];
}

/** Runs `measure` `reps` times per side, ours and theirs alternating as ctx.sides says, and collects the samples by side. */
export async function alternate<T>(ctx: CaseContext, reps: number, measure: (side: Side, rep: number) => Promise<T> | T): Promise<Record<Side, T[]>> {
  const got: Record<Side, T[]> = { ours: [], theirs: [] };
  for (let rep = 0; rep < reps; rep++) {
    for (const side of ctx.sides(rep)) got[side].push(await measure(side, rep));
  }
  return got;
}
