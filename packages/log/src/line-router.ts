/**
 * multilog's per-line work: optional timestamp, the select/deselect patterns (on the first 1000
 * bytes), alerts, status files, and routing each line to the selected log directories. Works on whole
 * input chunks: lines are found with indexOf and copied in slices; a line's head is buffered only
 * while patterns still need to see it.
 */
import { openSync, closeSync, writeSync, constants } from 'node:fs';
import type { Io } from '@svkit/diag';
import { now, writeLabel } from '@svkit/tai64';
import type { LogDir } from './log-dir.js';
import { patternMatches } from './pattern-match.js';

/** Bytes of a line that patterns see (and a status file keeps). */
export const MATCH_LIMIT = 1000;
/** Bytes of a line that an alert prints. */
export const ALERT_LIMIT = 200;
const NL = 0x0a;
const DOTS = Buffer.from('...\n');

/** Index of the next newline at or after `pos` (-1 if none): a byte loop for short lines, then indexOf. */
export function findNewline(buf: Buffer, pos: number, len: number): number {
  const lim = pos + 32 < len ? pos + 32 : len;
  for (let i = pos; i < lim; i++) if (buf[i] === NL) return i;
  return lim < len ? buf.indexOf(NL, lim) : -1;
}

/** A compiled script step. */
export type Step =
  | { kind: 'select'; select: boolean; pattern: Uint8Array }
  | { kind: 'alert' }
  | { kind: 'status'; fd: number; name: string }
  | { kind: 'dir'; dir: LogDir };

/** Opens (creating it 0600 if needed) a status file for pwrite at offset 0. */
export function openStatusFile(path: string): number {
  closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o600));
  return openSync(path, constants.O_WRONLY);
}

/** Routes input lines as the script says. */
export class LineRouter {
  private readonly label = Buffer.alloc(26, 0x20);
  private readonly head = Buffer.allocUnsafe(MATCH_LIMIT);
  private readonly status = Buffer.allocUnsafe(MATCH_LIMIT + 1);
  private readonly needHead: boolean;
  private readonly allDirs: LogDir[];
  private headLen = 0;
  private headPending = false;
  /** True while inside a line (its start has been routed, its newline not yet). */
  inLine = false;
  /** Directories selected for the current line: the first nTargets entries. */
  private readonly targets: LogDir[] = [];
  private nTargets = 0;
  private readonly fastDir: LogDir | undefined;

  constructor(private readonly timestamp: boolean, private readonly steps: Step[], private readonly io: Io, private readonly warn: (msg: string, e: unknown) => void) {
    this.needHead = steps.some((s) => s.kind !== 'dir');
    this.allDirs = steps.flatMap((s) => (s.kind === 'dir' ? [s.dir] : []));
    this.fastDir = timestamp && !this.needHead && this.allDirs.length === 1 ? this.allDirs[0] : undefined;
  }

  /** Processes one chunk of input (all of it; nothing is kept but the head of an undecided line). */
  feed(buf: Buffer): void {
    const len = buf.length;
    if (this.timestamp) writeLabel(now(), this.label, 0);
    let pos = 0;
    while (pos < len) {
      if (!this.inLine && this.fastDir) {
        // one log directory, every line selected, timestamps: label and line in one step
        const nl = findNewline(buf, pos, len);
        const end = nl < 0 ? len : nl + 1;
        this.fastDir.putPair(this.label, 0, 26, buf, pos, end, nl >= 0);
        this.inLine = nl < 0;
        pos = end;
        continue;
      }
      if (!this.inLine && this.needHead) {
        // a whole short line inside this chunk: run the script on it in place (the label goes into
        // the 26 bytes before it, which are already consumed), then route it in one step
        const lab = this.timestamp ? 26 : 0;
        if (pos >= lab) {
          const nl = findNewline(buf, pos, len);
          if (nl >= 0 && nl - pos + lab <= MATCH_LIMIT) {
            const start = pos - lab;
            const l = this.label;
            for (let k = 0; k < lab; k++) buf[start + k] = l[k]!;
            this.decide(buf, start, nl);
            const t = this.targets;
            for (let i = 0, n = this.nTargets; i < n; i++) t[i]!.put(buf, start, nl + 1, true);
            pos = nl + 1;
            continue;
          }
        }
      }
      if (!this.inLine) {
        this.inLine = true;
        if (this.needHead) {
          this.headPending = true;
          this.headLen = 0;
          if (this.timestamp) {
            const h = this.head;
            const l = this.label;
            for (let k = 0; k < 26; k++) h[k] = l[k]!;
            this.headLen = 26;
          }
        } else if (this.timestamp) {
          const dirs = this.allDirs;
          for (let i = 0; i < dirs.length; i++) dirs[i]!.put(this.label, 0, 26, false);
        }
      }
      if (this.headPending) {
        const nl = buf.indexOf(NL, pos);
        const lineEnd = nl < 0 ? len : nl;
        const take = Math.min(lineEnd - pos, MATCH_LIMIT - this.headLen);
        if (take > 0) {
          const h = this.head;
          let o = this.headLen;
          if (take < 128) for (let i = pos, e = pos + take; i < e; i++) h[o++] = buf[i]!;
          else buf.copy(h, o, pos, pos + take);
          this.headLen += take;
          pos += take;
        }
        if (nl < 0 && this.headLen < MATCH_LIMIT) return; // wait for more of this line
        this.decide(this.head, 0, this.headLen);
        if (nl === pos) {
          // the whole line was in the head: head and newline in one step per directory
          const t = this.targets;
          for (let i = 0, n = this.nTargets; i < n; i++) t[i]!.putPair(this.head, 0, this.headLen, buf, pos, pos + 1, true);
          this.inLine = false;
          pos++;
          continue;
        }
        const t = this.targets;
        for (let i = 0, n = this.nTargets; i < n; i++) t[i]!.put(this.head, 0, this.headLen, false);
      }
      const nl = buf.indexOf(NL, pos);
      const end = nl < 0 ? len : nl + 1;
      const t = this.needHead ? this.targets : this.allDirs;
      const nt = this.needHead ? this.nTargets : t.length;
      for (let i = 0; i < nt; i++) t[i]!.put(buf, pos, end, nl >= 0);
      if (nl >= 0) this.inLine = false;
      pos = end;
    }
  }

  /** Runs the script on the head of the current line, `h[s, e)`: alerts, status files, and the target directories. */
  private decide(h: Uint8Array, s: number, e: number): void {
    this.headPending = false;
    const n = e - s;
    let selected = true;
    const targets = this.targets;
    let nt = 0;
    const steps = this.steps;
    for (let k = 0; k < steps.length; k++) {
      const st = steps[k]!;
      switch (st.kind) {
        case 'select':
          if (selected !== st.select && patternMatches(st.pattern, h, s, e)) selected = st.select;
          break;
        case 'alert':
          if (selected) {
            const head = Buffer.from(h.buffer, h.byteOffset + s, Math.min(n, ALERT_LIMIT));
            this.io.err(Buffer.concat([head, n > ALERT_LIMIT ? DOTS : DOTS.subarray(3)]));
          }
          break;
        case 'status':
          if (selected) {
            const buf = this.status;
            for (let i = 0; i < n; i++) buf[i] = h[s + i]!;
            buf.fill(NL, n);
            try {
              writeSync(st.fd, buf, 0, buf.length, 0);
            } catch (err) {
              this.warn(`unable to write ${st.name}`, err);
            }
          }
          break;
        case 'dir':
          if (selected) targets[nt++] = st.dir;
          break;
      }
    }
    this.nTargets = nt;
  }

  /** At end of input: completes a partial final line with a newline. */
  endOfInput(): void {
    if (!this.inLine) return;
    if (this.headPending) {
      this.decide(this.head, 0, this.headLen);
      for (let i = 0; i < this.nTargets; i++) this.targets[i]!.put(this.head, 0, this.headLen, false);
    }
    const nlBuf = DOTS.subarray(3);
    const t = this.needHead ? this.targets : this.allDirs;
    const nt = this.needHead ? this.nTargets : t.length;
    for (let i = 0; i < nt; i++) t[i]!.put(nlBuf, 0, 1, true);
    this.inLine = false;
  }
}
