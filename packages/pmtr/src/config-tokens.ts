/**
 * pmtr.conf's tokenizer, as pmtr reads the file: whitespace is space, tab, CR and LF; `#` at the
 * start of a token comments out the rest of the line; a token starting with `"` is a quoted string
 * that ends at the next `"` on the same line (no escapes); keywords are matched case-sensitively
 * and count only at the start of a line, except `{`, `on`, `to` and `every`, which count anywhere.
 */

/** The words pmtr knows. */
export const KEYWORDS = new Set([
  'job', 'name', 'user', 'cmd', 'env', 'dir', 'out', 'err', 'in', 'order', 'disable', 'wait', 'once',
  '{', '}', 'listen', 'on', 'report', 'to', 'bounce', 'every', 'depends', 'ulimit', 'nice', 'cpu',
  'log', // svkit's addition: a multilog directory for the job's output
]);
/** Keywords wherever they stand (pmtr's position rule exempts them). */
const ANYWHERE = new Set(['{', 'on', 'to', 'every']);

/** One token. */
export interface Token {
  text: string;
  line: number;
  /** The first token on its line. */
  first: boolean;
  /** A quoted string (its text without the quotes). */
  quoted: boolean;
  /** A keyword by pmtr's position rule (never a quoted string). */
  keyword: boolean;
}

/**
 * pmtr's token ids (its Lemon grammar's TOK_* numbers), for the `-v -v` dump; `log`, svkit's
 * keyword, gets the next free number.
 */
export const TOKEN_IDS: Readonly<Record<string, number>> = {
  report: 1, to: 2, listen: 4, on: 5, job: 6, '{': 7, '}': 8, name: 9, cmd: 10, dir: 11, out: 12,
  in: 13, err: 14, user: 15, order: 16, env: 17, ulimit: 18, disable: 19, wait: 20, once: 21,
  nice: 22, bounce: 23, every: 24, depends: 25, cpu: 26, log: 28,
};
/** pmtr's id of a plain string. */
export const TOK_STR = 3;
/** pmtr's id of a quoted string. */
export const TOK_QUOTEDSTR = 27;

/** The `-v -v` line of a token, as pmtr prints it: `token [TEXT] id=N line=N` (a quoted string with its quotes). */
export function tokenDumpLine(t: Token): string {
  const id = t.quoted ? TOK_QUOTEDSTR : t.keyword ? TOKEN_IDS[t.text]! : TOK_STR;
  return `token [${t.quoted ? `"${t.text}"` : t.text}] id=${id} line=${t.line}`;
}

/** An error with the line it is about. */
export interface LineError {
  line: number;
  message: string;
}

/** Splits `text` into tokens; unterminated quotes are reported in `errors` and skipped. */
export function tokenize(text: string, errors: LineError[]): Token[] {
  const out: Token[] = [];
  let line = 1;
  let first = true;
  let i = 0;
  const n = text.length;
  const isSpace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
  while (i < n) {
    const ch = text[i]!;
    if (isSpace(ch)) {
      if (ch === '\n') {
        line++;
        first = true;
      }
      i++;
      continue;
    }
    if (ch === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (ch === '"') {
      const end = text.indexOf('"', i + 1);
      const nl = text.indexOf('\n', i + 1);
      if (end < 0 || (nl >= 0 && nl < end)) {
        errors.push({ line, message: 'unterminated quoted string' });
        i = nl < 0 ? n : nl;
        continue;
      }
      out.push({ text: text.slice(i + 1, end), line, first, quoted: true, keyword: false });
      first = false;
      i = end + 1;
      continue;
    }
    let j = i;
    while (j < n && !isSpace(text[j]!)) j++;
    const word = text.slice(i, j);
    const keyword = KEYWORDS.has(word) && (first || ANYWHERE.has(word));
    out.push({ text: word, line, first, quoted: false, keyword });
    first = false;
    i = j;
  }
  return out;
}
