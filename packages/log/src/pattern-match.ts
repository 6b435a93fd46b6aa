/**
 * multilog's line patterns: a non-star matches itself; a star before the end matches any string
 * that does not contain the next pattern character (and that character must follow); a star at the
 * end matches anything. The whole line must match.
 */

const STAR = 0x2a;

/** True when `pattern` matches all of `line[start, end)`. */
export function patternMatches(pattern: Uint8Array, line: Uint8Array, start: number, end: number): boolean {
  let p = 0;
  let i = start;
  const plen = pattern.length;
  while (p < plen) {
    const pc = pattern[p++]!;
    if (pc === STAR) {
      if (p === plen) return true;
      const next = pattern[p]!;
      // consume up to (not including) the first occurrence of `next`; it must occur
      while (i < end && line[i] !== next) i++;
      if (i === end) return false;
      continue;
    }
    if (i === end || line[i] !== pc) return false;
    i++;
  }
  return i === end;
}
