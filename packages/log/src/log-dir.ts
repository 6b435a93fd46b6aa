/**
 * One automatically rotated log directory (multilog's `./dir` action): lock, crash recovery,
 * buffered appends to `current`, rotation to `@<tai64n>.s` (optionally through a processor),
 * removal of old files. Every disk step is retried after a pause on failure; no data is dropped
 * (when multilog must exit while the disk keeps failing, abandon() hands back what is not stored).
 */
import {
  closeSync, constants, existsSync, fchmodSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync,
  readdirSync, renameSync, statSync, unlinkSync, writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { errnoText, type Strerr } from '@svkit/diag';
import { flock, LOCK_EX, LOCK_NB } from '@svkit/sys';
import { label, now } from '@svkit/tai64';
import type { DirSettings } from './multilog-script.js';
import { runProcessor } from './processor.js';

/** Pause after a failed disk operation before trying again (ms). */
export const RETRY_MS = 1000;
/** Pause after a failed processor before running it again (ms), as 0.76. */
export const PROCESSOR_RETRY_MS = 5000;
/** Initial size of the pending-output buffer. */
const ARENA = 256 * 1024;

const APPEND = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND;
const NL = 0x0a;

/** Thrown by open() when the directory cannot be used; `what` is the message after `unable to `. */
export class DirError extends Error {
  constructor(readonly what: string, override readonly cause: unknown) {
    super(`${what}: ${errnoText(cause)}`);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Keeps the directory entry of `dir` on disk (after renames). */
function fsyncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function isComplete(mode: number): boolean {
  return (mode & 0o100) !== 0;
}

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function unlinkIfThere(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** A disk step that failed: what (`unable to ...`) and why. */
export interface Failure {
  what: string;
  error: unknown;
}

/** A log directory being written. */
export class LogDir {
  /** The directory as named in the script (for messages). */
  readonly name: string;
  /** Absolute path. */
  readonly path: string;
  readonly size: number;
  readonly num: number;
  readonly processor: string | undefined;
  /** Size of `current` counting output not yet written. */
  bytes = 0;
  /** The last failure, until drain() or finish() completes again (the caller is waiting out a pause). */
  failure: Failure | undefined;
  private fd = -1;
  private lockFd = -1;
  private arena = Buffer.allocUnsafe(ARENA);
  private len = 0;
  private flushed = 0;
  /** Offset in the arena where the data of the open `current` starts (the last rotation point). */
  private fileStart = 0;
  /** Offsets in the arena where `current` must be rotated (ascending). */
  private marks: number[] = [];
  /** Step of the rotation in progress, or -1. */
  private phase = -1;
  private readonly err: Strerr;

  constructor(name: string, settings: DirSettings, err: Strerr, cwd = process.cwd()) {
    this.name = name;
    this.path = resolve(cwd, name);
    this.size = settings.size;
    this.num = settings.num;
    this.processor = settings.processor;
    this.err = err;
  }

  private file(n: string): string {
    return join(this.path, n);
  }

  /** Creates (0700) and locks the directory; throws DirError when impossible (fatal at start-up). */
  lock(): void {
    try {
      mkdirSync(this.path, 0o700);
    } catch { /* exists, or the open below says why not */ }
    try {
      if (!statSync(this.path).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      this.lockFd = openSync(this.file('lock'), APPEND, 0o600);
    } catch (e) {
      throw new DirError(`open directory ${this.name}`, e);
    }
    try {
      flock(this.lockFd, LOCK_EX | LOCK_NB);
    } catch (e) {
      throw new DirError(`lock directory ${this.name}`, e);
    }
  }

  /**
   * Recovers from an earlier crash and opens `current` for appending: a complete (0744) `current`
   * is continued; an incomplete one becomes `@<now>.u`; a half-done rotation is finished.
   * Throws DirError (fatal at start-up).
   */
  async recover(): Promise<void> {
    try {
      const cur = statOrUndefined(this.file('current'));
      const mode = (st: { mode: number | bigint }): number => Number(st.mode);
      if (!cur || !isComplete(mode(cur))) {
        const processed = statOrUndefined(this.file('processed'));
        if (processed && isComplete(mode(processed))) {
          // the processor had finished and its output is safe: finish that rotation
          if (existsSync(this.file('newstate'))) renameSync(this.file('newstate'), this.file('state'));
          unlinkIfThere(this.file('previous'));
          this.renameToOld('processed', 's');
        } else {
          unlinkIfThere(this.file('processed'));
          unlinkIfThere(this.file('newstate'));
          if (existsSync(this.file('previous'))) {
            if (this.processor) await this.processPrevious();
            else this.renameToOld('previous', 's');
          }
        }
        if (cur) this.renameToOld('current', 'u');
        fsyncDir(this.path);
        this.removeOld();
      }
      closeSync(openSync(this.file('state'), APPEND, 0o644));
      this.bytes = this.openCurrent();
    } catch (e) {
      if (e instanceof DirError) throw e;
      throw new DirError(`start log in ${this.name}`, e);
    }
  }

  /** Runs the processor on `previous` until it succeeds (start-up recovery). */
  private async processPrevious(): Promise<void> {
    for (;;) {
      const r = await this.tryProcessor();
      if (r) break;
      await sleep(PROCESSOR_RETRY_MS);
    }
    this.commitProcessed();
  }

  /** Opens `current` for appending (0644); returns its size. */
  private openCurrent(): number {
    const fd = openSync(this.file('current'), APPEND, 0o600);
    let size: number;
    try {
      fchmodSync(fd, 0o644);
      size = Number(fstatSync(fd).size);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    this.fd = fd;
    return size;
  }

  /** Renames `from` to a fresh `@<now>.<suffix>` name. */
  private renameToOld(from: string, suffix: 's' | 'u'): void {
    let name: string;
    do name = `${label(now())}.${suffix}`;
    while (existsSync(this.file(name)));
    renameSync(this.file(from), this.file(name));
  }

  /** Removes the oldest `@...` files until fewer than `num` remain. */
  private removeOld(): void {
    const old = readdirSync(this.path).filter((n) => n.startsWith('@')).sort();
    for (let i = 0; old.length - i >= this.num; i++) unlinkIfThere(this.file(old[i]!));
  }

  // ---- appending -------------------------------------------------------------------------

  private grow(need: number): void {
    let cap = this.arena.length * 2;
    while (cap < need) cap *= 2;
    const a = Buffer.allocUnsafe(cap);
    this.arena.copy(a, 0, 0, this.len);
    this.arena = a;
  }

  /** Queues `src[s, e)` for `current`; `endsLine` when it ends with a newline. Rotation points are marked. */
  put(src: Uint8Array, s: number, e: number, endsLine: boolean): void {
    const size = this.size;
    while (s < e) {
      let n = e - s;
      const room = size - this.bytes;
      if (n > room) n = room;
      if (this.len + n > this.arena.length) this.grow(this.len + n);
      Buffer.prototype.copy.call(src, this.arena, this.len, s, s + n);
      this.len += n;
      this.bytes += n;
      s += n;
      if (this.bytes >= size) this.mark();
    }
    if (endsLine && this.bytes >= size - 2000) this.mark();
  }

  /**
   * Queues `a[as, ae)` then `b[bs, be)` (a label or line head, then the rest of the line) in one
   * go when both fit in `current` (the common case); otherwise the same as two put() calls.
   */
  putPair(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number, endsLine: boolean): void {
    const n = ae - as + be - bs;
    const after = this.bytes + n;
    if (after >= this.size || (endsLine && after >= this.size - 2000) || this.len + n > this.arena.length) {
      this.put(a, as, ae, false);
      this.put(b, bs, be, endsLine);
      return;
    }
    const out = this.arena;
    let o = this.len;
    if (n < 64) {
      // short lines: a byte loop beats two native calls
      for (let i = as; i < ae; i++) out[o++] = a[i]!;
      for (let i = bs; i < be; i++) out[o++] = b[i]!;
    } else {
      Buffer.prototype.copy.call(a, out, o, as, ae);
      Buffer.prototype.copy.call(b, out, o + ae - as, bs, be);
    }
    this.len += n;
    this.bytes = after;
  }

  /** Marks a rotation point at the end of the queued output. */
  private mark(): void {
    this.marks.push(this.len);
    this.bytes = 0;
  }

  /** Requests a rotation now (ALRM) if `current` is not empty. */
  rotateSoon(): void {
    if (this.bytes > 0) this.mark();
  }

  /** True when nothing is queued. */
  get idle(): boolean {
    return this.len === 0 && this.phase < 0 && this.marks.length === 0;
  }

  /** Bytes queued and not yet written. */
  get pending(): number {
    return this.len - this.flushed;
  }

  /**
   * Writes queued output and performs marked rotations. Returns true when everything is done, or a
   * promise to wait for (a pause after an error, a running processor) before calling drain() again.
   */
  drain(): true | Promise<unknown> {
    for (;;) {
      if (this.phase >= 0) {
        const r = this.rotateStep();
        if (r !== true) return r;
        continue;
      }
      const target = this.marks.length > 0 ? this.marks[0]! : this.len;
      while (this.flushed < target) {
        try {
          this.flushed += writeSync(this.fd, this.arena, this.flushed, target - this.flushed);
        } catch (e) {
          return this.trouble(`unable to write to ${this.name}/current`, e);
        }
      }
      if (this.marks.length > 0) {
        this.fileStart = this.marks.shift()!;
        this.phase = 0;
        continue;
      }
      this.len = this.flushed = this.fileStart = 0;
      if (this.arena.length > 64 * ARENA) this.arena = Buffer.allocUnsafe(ARENA); // after a pathological chunk
      this.failure = undefined;
      return true;
    }
  }

  private trouble(msg: string, e: unknown, ms = RETRY_MS): Promise<void> {
    this.failure = { what: msg, error: e };
    this.err.warn(`${msg}: ${errnoText(e)}, pausing`);
    return sleep(ms);
  }

  /** One step of the rotation in progress; true when the whole rotation is done. */
  private rotateStep(): true | Promise<unknown> {
    try {
      if (this.processor) return this.rotateWithProcessor();
      if (this.phase === 0) { // current complete and safe on disk
        fsyncSync(this.fd);
        fchmodSync(this.fd, 0o744);
        this.phase = 1;
      }
      if (this.phase === 1) {
        this.renameToOld('current', 's');
        this.phase = 2;
      }
      if (this.phase === 2) {
        fsyncDir(this.path);
        this.phase = 3;
      }
      if (this.phase === 3) {
        if (this.fd >= 0) closeSync(this.fd);
        this.fd = -1;
        this.openCurrent();
        this.phase = 4;
      }
      this.finishRotation();
      return true;
    } catch (e) {
      return this.trouble(`unable to rotate ${this.name}/current`, e);
    }
  }

  private rotateWithProcessor(): true | Promise<unknown> {
    if (this.phase === 0) {
      fsyncSync(this.fd);
      fchmodSync(this.fd, 0o744);
      closeSync(this.fd);
      this.fd = -1;
      this.phase = 1;
    }
    if (this.phase === 1) {
      renameSync(this.file('current'), this.file('previous'));
      fsyncDir(this.path);
      this.phase = 2;
    }
    if (this.phase === 2) {
      this.openCurrent();
      this.phase = 3;
    }
    if (this.phase === 3) {
      return this.tryProcessor().then((ok) => {
        if (ok) this.phase = 4;
        else return sleep(PROCESSOR_RETRY_MS);
      });
    }
    if (this.phase === 4) {
      this.commitProcessed();
      this.phase = 5;
    }
    this.finishRotation();
    return true;
  }

  /** Runs the processor once; false (after a warning) when it failed. */
  private async tryProcessor(): Promise<boolean> {
    try {
      const r = await runProcessor(this.path, this.processor!);
      if (r.ok) return true;
    } catch (e) {
      this.err.warn(`unable to run processor in ${this.name}: ${errnoText(e)}`);
    }
    this.err.warn(`processor failed in ${this.name}, pausing`);
    this.failure = { what: `unable to rotate ${this.name}/current`, error: new Error('processor failed') };
    return false;
  }

  /** Makes the processor's output safe, then moves it (and its new state) into place. */
  private commitProcessed(): void {
    const ns = openSync(this.file('newstate'), APPEND, 0o644);
    try {
      fsyncSync(ns);
    } finally {
      closeSync(ns);
    }
    const p = openSync(this.file('processed'), APPEND, 0o644);
    try {
      fsyncSync(p);
      fchmodSync(p, 0o744); // the commit point: processed is complete
    } finally {
      closeSync(p);
    }
    renameSync(this.file('newstate'), this.file('state'));
    unlinkIfThere(this.file('previous'));
    this.renameToOld('processed', 's');
    fsyncDir(this.path);
  }

  private finishRotation(): void {
    this.phase = -1;
    try {
      this.removeOld();
    } catch (e) {
      this.err.warn(`unable to remove old files in ${this.name}: ${errnoText(e)}`);
    }
  }

  /**
   * After the last drain: makes `current` safe on disk and marks it complete (0744).
   * Returns true when done or a promise to wait for before calling again.
   */
  finish(): true | Promise<unknown> {
    if (this.fd < 0) return true;
    try {
      fsyncSync(this.fd);
      fchmodSync(this.fd, 0o744);
      closeSync(this.fd);
      this.fd = -1;
      this.failure = undefined;
      return true;
    } catch (e) {
      return this.trouble(`unable to finish ${this.name}/current`, e);
    }
  }

  /**
   * Gives up (multilog must exit and the disk keeps failing): takes a partly written last line back
   * out of `current` when its start is known, so that `current` ends at a line end; closes `current`
   * (complete, 0744, when that still works and no rotation is half done); returns the queued bytes
   * that are in no file. Nothing is queued afterwards.
   */
  abandon(): Buffer {
    let start = this.flushed;
    if (this.fd >= 0 && this.phase < 0 && start > this.fileStart) {
      const nl = this.arena.lastIndexOf(NL, start - 1);
      const lineStart = nl + 1;
      if (nl >= this.fileStart && lineStart < start) {
        try {
          const size = Number(fstatSync(this.fd).size);
          if (size >= start - lineStart) {
            ftruncateSync(this.fd, size - (start - lineStart));
            start = lineStart;
          }
        } catch { /* the line head stays in current; its rest follows */ }
      }
    }
    const rest = Buffer.from(this.arena.subarray(start, this.len));
    if (this.fd >= 0) {
      try {
        if (this.phase < 0) {
          fsyncSync(this.fd);
          fchmodSync(this.fd, 0o744);
        }
      } catch { /* left 0644: the next start keeps it as @...u */ }
      try { closeSync(this.fd); } catch { /* closed anyway */ }
      this.fd = -1;
    }
    this.len = this.flushed = this.fileStart = 0;
    this.marks = [];
    this.phase = -1;
    return rest;
  }
}
