/** procServ's `^X` notation for command and ignore characters. */

/** Parses `^D^C` notation into byte values: `^X` is a control character, `^^` a literal `^`, `^?` DEL. */
export function parseControlChars(spec: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < spec.length; i++) {
    const c = spec.charCodeAt(i);
    if (c === 0x5e /* ^ */ && i + 1 < spec.length) {
      const n = spec[++i]!;
      if (n === '^') out.push(0x5e);
      else if (n === '?') out.push(0x7f);
      else {
        const code = n.toUpperCase().charCodeAt(0);
        if (code < 0x40 || code > 0x5f) throw new Error(`bad control character ^${n}`);
        out.push(code - 0x40);
      }
    } else {
      if (c > 0xff) throw new Error(`character ${spec[i]} is not a single byte`);
      out.push(c);
    }
  }
  return out;
}

/** Parses one command character (`^X`, or `""` / empty for none). */
export function parseCommandChar(spec: string): number | undefined {
  if (spec === '' || spec === '""' || spec === "''") return undefined;
  const chars = parseControlChars(spec);
  if (chars.length !== 1) throw new Error(`expected one character, got ${JSON.stringify(spec)}`);
  return chars[0];
}

/** Shows a byte the way procServ prints it: `^X` for control characters. */
export function showChar(b: number): string {
  if (b < 0x20) return `^${String.fromCharCode(b + 0x40)}`;
  if (b === 0x7f) return '^?';
  return String.fromCharCode(b);
}
