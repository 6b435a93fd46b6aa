/**
 * The values of pmtr.conf's options: nice, order, cpu sets, ulimit resources and values, bounce
 * intervals, udp:// specs. Each parser returns the value or throws a ValueError with pmtr's own
 * message; numbers are read as pmtr's sscanf("%d"/"%u") reads them (a number prefix, the rest ignored:
 * `10k` is 10), and a value whose tail was ignored is reported back as `lax` for a warning.
 */

/** A value pmtr.conf does not accept; `message` is pmtr's text. */
export class ValueError extends Error {}

/** A number read sscanf-style: `value`, and whether text after the number was ignored. */
export interface Lax<T> {
  value: T;
  lax: boolean;
}

/** sscanf("%d"): optional blanks and sign, then digits; undefined when no digit comes first. */
export function scanInt(s: string): Lax<number> | undefined {
  const m = /^\s*([+-]?\d+)/.exec(s);
  if (!m) return undefined;
  return { value: Number(m[1]), lax: m[0].length !== s.length };
}

/** nice N: -20..19. */
export function parseNice(s: string): Lax<number> {
  const n = scanInt(s);
  if (!n) throw new ValueError('non-numeric nice parameter');
  if (n.value < -20 || n.value > 19) throw new ValueError('nice out of range -20 to 19');
  return n;
}

/** order N. */
export function parseOrder(s: string): Lax<number> {
  const n = scanInt(s);
  if (!n) throw new ValueError('non-numeric order parameter');
  return n;
}

/** Highest CPU number a cpu set may name. */
export const MAX_CPU = 1023;

/** cpu 0x<hex> (bit 0 = CPU 0) or a decimal list `0,2-4` (ranges strictly increasing); returns the CPU numbers, ascending. */
export function parseCpuSet(s: string): number[] {
  const cpus = new Set<number>();
  if (s.startsWith('0x')) {
    const hex = s.slice(2);
    if (hex === '') throw new ValueError('parse error in cpuset');
    if (!/^[0-9a-fA-F]+$/.test(hex)) throw new ValueError('invalid hex in cpuset');
    for (let i = 0; i < hex.length; i++) {
      const digit = parseInt(hex[hex.length - 1 - i]!, 16);
      for (let b = 0; b < 4; b++) if (digit & (1 << b)) cpus.add(i * 4 + b);
    }
  } else {
    if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(s)) throw new ValueError('syntax error in cpuset');
    for (const part of s.split(',')) {
      const [a, b] = part.split('-').map(Number) as [number, number | undefined];
      if (b !== undefined && !(a < b)) throw new ValueError('syntax error in cpuset');
      for (let c = a; c <= (b ?? a); c++) {
        if (c > MAX_CPU) throw new ValueError(`cpu ${c} is above ${MAX_CPU}`);
        cpus.add(c);
      }
    }
  }
  for (const c of cpus) if (c > MAX_CPU) throw new ValueError(`cpu ${c} is above ${MAX_CPU}`);
  return [...cpus].sort((x, y) => x - y);
}

/** ulimit flags and RLIMIT_ names, as prlimit(1)'s long option names. */
const RESOURCES: Record<string, string> = {
  '-c': 'core', '-d': 'data', '-e': 'nice', '-f': 'fsize', '-i': 'sigpending', '-l': 'memlock', '-m': 'rss',
  '-n': 'nofile', '-q': 'msgqueue', '-r': 'rtprio', '-s': 'stack', '-t': 'cpu', '-u': 'nproc', '-v': 'as',
};
for (const r of Object.values(RESOURCES)) RESOURCES[`RLIMIT_${r.toUpperCase()}`] = r;

/** One resource limit: prlimit's name and the value (soft = hard), 'unlimited' for RLIM_INFINITY. */
export interface Ulimit {
  resource: string;
  value: number | 'unlimited';
}

/** ulimit RESOURCE VALUE. */
export function parseUlimit(res: string, val: string): Lax<Ulimit> {
  const resource = RESOURCES[res];
  if (!resource) throw new ValueError(`unknown ulimit resource ${res}`);
  let value: number | 'unlimited';
  let lax = false;
  if (val === 'infinity' || val === 'unlimited') value = 'unlimited';
  else {
    const n = scanInt(val);
    if (!n) throw new ValueError('non-numeric ulimit value');
    lax = n.lax;
    value = n.value < 0 ? 'unlimited' : n.value; // %u wraps a negative number around to "infinity"
    if (n.value < 0) lax = true;
  }
  if (resource === 'nofile' && value === 'unlimited') throw new ValueError('ulimit -n must be finite');
  return { value: { resource, value }, lax };
}

/** bounce every N[smhd]: seconds (0 = never). */
export function parseInterval(s: string): Lax<number> {
  const unit = s.slice(-1);
  const n = /^\d+/.exec(s.slice(0, -1));
  if (!n) throw new ValueError("invalid time interval in 'bounce every'");
  const mult = { s: 1, m: 60, h: 3600, d: 86400 }[unit];
  if (mult === undefined) throw new ValueError("invalid time unit in 'bounce every'");
  return { value: Number(n[0]) * mult, lax: n[0].length !== s.length - 1 };
}

/** A parsed udp://HOST:PORT[@iface]. */
export interface UdpSpec {
  text: string;
  host: string;
  port: number;
  iface?: string;
  /** The IPv4 address of `iface` when the config was loaded (see report-iface.ts). */
  ifaceAddr?: string;
  line: number;
}

/** Longest interface name (IFNAMSIZ less its NUL). */
export const IFNAME_MAX = 15;

/**
 * udp://HOST:PORT[@iface]; throws ValueError with pmtr's "required format" text (an iface is
 * any name a Linux interface may have: no `/`, `:` or blank; pmtr's "interface too long" over 15 bytes).
 */
export function parseUdpSpec(s: string, line: number): UdpSpec {
  const m = /^udp:\/\/([^:@/\s]+):(\d{1,5})(?:@([^/:@\s]*))?$/.exec(s);
  if (!m || Number(m[2]) > 65535) throw new ValueError('required format: udp://1.2.3.4:5678[@eth2]');
  if (m[3] !== undefined && Buffer.byteLength(m[3]) > IFNAME_MAX) throw new ValueError('interface too long');
  return { text: s, host: m[1]!, port: Number(m[2]), iface: m[3], line };
}
