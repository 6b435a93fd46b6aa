/** Finding the procserv (or procServ) command line in a service's `run` script, without running it. */

/** The words of a shell line, with '...', "..." and \ quoting removed; stops at an unquoted `#` word, `;`, `&`, `|`. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      cur += line.slice(i + 1, end < 0 ? line.length : end);
      i = end < 0 ? line.length : end;
      inWord = true;
    } else if (c === '"') {
      i++;
      for (; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) i++;
        cur += line[i];
      }
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else if (c === '#' && !inWord) {
      break;
    } else if (c === ';' || c === '&' || c === '|') {
      break;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** True for a word naming procserv or procServ (any directory). */
const isProcserv = (w: string): boolean => /(^|\/)proc[sS]erv$/.test(w);

/**
 * The arguments after `procserv` on the last line of `script` that runs it (backslash-continued
 * lines joined), or undefined when the script does not run procserv. Lines that merely mention it
 * in a comment do not count.
 */
export function procservArgs(script: string): string[] | undefined {
  const lines = script.replace(/\\\n/g, ' ').split('\n');
  let found: string[] | undefined;
  for (const line of lines) {
    const words = shellWords(line);
    const at = words.findIndex(isProcserv);
    if (at >= 0) found = words.slice(at + 1);
  }
  return found;
}
