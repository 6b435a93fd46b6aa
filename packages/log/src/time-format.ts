/**
 * Human-readable timestamps for tai64nlocal: `YYYY-MM-DD HH:MM:SS.nnnnnnnnn` (0.76) or ISO 8601
 * `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+hh:mm` (`Z` in UTC), in local time or UTC. The date part is
 * computed once per distinct second and reused (log lines arrive in time order).
 */
import type { Instant } from '@svkit/tai64';

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const pad4 = (n: number): string => (n < 0 ? `-${String(-n).padStart(4, '0')}` : String(n).padStart(4, '0'));

/** Formats instants into byte buffers. */
export class TimeFormatter {
  private lastSec = Number.NaN;
  private prefix = Buffer.alloc(0); // date, time and '.'
  private suffix = Buffer.alloc(0); // ISO offset
  /** Longest output of one timestamp. */
  readonly maxLength = 48;

  constructor(private readonly utc: boolean, private readonly iso: boolean) {}

  private compute(sec: number): boolean {
    const d = new Date(sec * 1000);
    if (Number.isNaN(d.getTime())) return false;
    const u = this.utc;
    const y = u ? d.getUTCFullYear() : d.getFullYear();
    const date = `${pad4(y)}-${pad2((u ? d.getUTCMonth() : d.getMonth()) + 1)}-${pad2(u ? d.getUTCDate() : d.getDate())}`;
    const time = `${pad2(u ? d.getUTCHours() : d.getHours())}:${pad2(u ? d.getUTCMinutes() : d.getMinutes())}:${pad2(u ? d.getUTCSeconds() : d.getSeconds())}`;
    this.prefix = Buffer.from(`${date}${this.iso ? 'T' : ' '}${time}.`, 'latin1');
    if (this.iso) {
      const off = u ? 0 : -d.getTimezoneOffset();
      const a = Math.abs(off);
      this.suffix = Buffer.from(u ? 'Z' : `${off < 0 ? '-' : '+'}${pad2(Math.floor(a / 60))}:${pad2(a % 60)}`, 'latin1');
    }
    this.lastSec = sec;
    return true;
  }

  /** Writes the text of `t` into `out` at `off` (room for maxLength bytes); returns the new offset, or -1 when `t` is not a showable date. */
  write(t: Instant, out: Uint8Array, off: number): number {
    if (t.sec !== this.lastSec && !this.compute(t.sec)) return -1;
    const p = this.prefix;
    for (let i = 0; i < p.length; i++) out[off++] = p[i]!;
    let ns = t.nsec;
    for (let i = 8; i >= 0; i--) {
      out[off + i] = 48 + (ns % 10);
      ns = Math.floor(ns / 10);
    }
    off += 9;
    const s = this.suffix;
    for (let i = 0; i < s.length; i++) out[off++] = s[i]!;
    return off;
  }
}
