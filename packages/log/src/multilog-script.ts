/** Parsing of multilog's action arguments (the "script") into a list of actions. */

/** Default maximum size of `current` (bytes). */
export const DEFAULT_SIZE = 99999;
/** Default number of log files (old files kept = num - 1). */
export const DEFAULT_NUM = 10;
/** Smallest and largest accepted `s` values (as 0.76 clamps them). */
export const MIN_SIZE = 4096;
export const MAX_SIZE = 16777215;
/** Smallest accepted `n` value. */
export const MIN_NUM = 2;

/** Settings that apply to a log directory action. */
export interface DirSettings {
  size: number;
  num: number;
  processor: string | undefined;
}

/** One action of the script, carried out in order for each line. */
export type Action =
  | { kind: 'select'; select: boolean; pattern: Uint8Array }
  | { kind: 'alert' }
  | { kind: 'status'; file: string }
  | { kind: 'dir'; dir: string; settings: DirSettings };

/** A parsed script: whether lines get a timestamp, and the actions. */
export interface Script {
  timestamp: boolean;
  actions: Action[];
  /** Arguments that are not actions (ignored as 0.76 ignores them; reported as warnings). */
  ignored: string[];
}

/** Reads a decimal number the way 0.76 does: leading digits, anything after is ignored; none is 0. */
function leadingNumber(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    n = Math.min(n * 10 + c, Number.MAX_SAFE_INTEGER);
  }
  return n;
}

/** Parses the script arguments; never throws (unknown actions are collected in `ignored`). */
export function parseScript(args: string[]): Script {
  const actions: Action[] = [];
  const ignored: string[] = [];
  let size = DEFAULT_SIZE;
  let num = DEFAULT_NUM;
  let processor: string | undefined;
  let timestamp = false;
  args.forEach((a, i) => {
    switch (a[0]) {
      case 't':
        if (i === 0) timestamp = true; // 0.76: any first argument starting with t
        else ignored.push(a);
        break;
      case '+':
      case '-':
        actions.push({ kind: 'select', select: a[0] === '+', pattern: Buffer.from(a.slice(1), 'utf8') });
        break;
      case 'e':
        actions.push({ kind: 'alert' }); // 0.76: any argument starting with e
        break;
      case '=':
        actions.push({ kind: 'status', file: a.slice(1) });
        break;
      case 's':
        size = Math.min(MAX_SIZE, Math.max(MIN_SIZE, leadingNumber(a.slice(1))));
        break;
      case 'n':
        num = Math.max(MIN_NUM, leadingNumber(a.slice(1)));
        break;
      case '!':
        processor = a.slice(1) || undefined;
        break;
      case '.':
      case '/':
        actions.push({ kind: 'dir', dir: a, settings: { size, num, processor } });
        break;
      default:
        ignored.push(a);
    }
  });
  return { timestamp, actions, ignored };
}
