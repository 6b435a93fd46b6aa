/** The results table: one row per measurement, rendered as markdown (case | ours | theirs | ratio | goal | met?). */
import { fmt } from './stats.js';

/** A goal: its wording for the table and the check on the measured values. */
export interface Goal {
  text: string;
  /** True when met; `theirs` is undefined when the C tool is missing. */
  met(ours: number, theirs: number | undefined): boolean;
  /** True when the check needs the C tool's value (then a missing C tool gives "n/a"). */
  needsTheirs: boolean;
}

/** One measured row: medians in `unit`. */
export interface Row {
  name: string;
  unit: string;
  ours: number | undefined;
  theirs: number | undefined;
  goal?: Goal;
  /** Shown after the case name, e.g. "median of 5" or "1 run each". */
  detail?: string;
}

/** Goal: ours at most `factor` times theirs (factor 1 = "<= C"). */
export function atMostTheirs(factor: number, what = 'C'): Goal {
  return { text: factor === 1 ? `<= ${what}` : `<= ${factor}x ${what}`, needsTheirs: true, met: (o, t) => t !== undefined && o <= factor * t };
}

/** Goal: ours at least `factor` times theirs (for throughputs). */
export function atLeastTheirs(factor: number): Goal {
  return { text: `>= ${factor}x C`, needsTheirs: true, met: (o, t) => t !== undefined && o >= factor * t };
}

/** Goal: ours below an absolute bound. */
export function below(bound: number, unit: string, extra = ''): Goal {
  return { text: `< ${bound} ${unit}${extra}`, needsTheirs: false, met: (o) => o < bound };
}

/** Goal: ours at most `factor` times a baseline measured in the same run (e.g. bare Node start-up). */
export function atMostBaseline(factor: number, baseline: number, name: string, unit: string): Goal {
  return { text: `<= ${factor}x ${name} (${fmt(baseline)} ${unit})`, needsTheirs: false, met: (o) => o <= factor * baseline };
}

function cell(v: number | undefined, unit: string): string {
  return v === undefined || Number.isNaN(v) ? 'n/a' : `${fmt(v)} ${unit}`;
}

function metCell(r: Row): string {
  if (!r.goal) return '';
  if (r.ours === undefined || Number.isNaN(r.ours)) return 'n/a';
  if (r.goal.needsTheirs && (r.theirs === undefined || Number.isNaN(r.theirs))) return 'n/a';
  return r.goal.met(r.ours, r.theirs) ? 'yes' : '**NO**';
}

/** Markdown table of the rows. */
export function renderTable(rows: Row[]): string {
  const lines = ['| case | ours | theirs | ratio | goal | met? |', '|---|---:|---:|---:|---|---|'];
  for (const r of rows) {
    const ratio = r.ours !== undefined && r.theirs !== undefined && r.theirs > 0 ? `${fmt(r.ours / r.theirs)}x` : 'n/a';
    const name = r.detail ? `${r.name} (${r.detail})` : r.name;
    lines.push(`| ${name} | ${cell(r.ours, r.unit)} | ${cell(r.theirs, r.unit)} | ${ratio} | ${r.goal?.text ?? ''} | ${metCell(r)} |`);
  }
  return `${lines.join('\n')}\n`;
}
