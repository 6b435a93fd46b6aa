/**
 * A process variable as a Channel Access server holds it: a native field type, one value,
 * alarm status and severity, a timestamp, display metadata, and the monitors that want changes.
 */
import { ECA } from './wire.js';

/** Native field types we serve (the DBR base numbers). */
export const DBF = { STRING: 0, SHORT: 1, FLOAT: 2, ENUM: 3, CHAR: 4, LONG: 5, DOUBLE: 6 } as const;
export type Dbf = (typeof DBF)[keyof typeof DBF];

/** Monitor mask bits (DBE_*). */
export const DBE = { VALUE: 1, LOG: 2, ALARM: 4, PROPERTY: 8 } as const;

/** Alarm severities. */
export const SEVERITY = { NO_ALARM: 0, MINOR: 1, MAJOR: 2, INVALID: 3 } as const;
/** Alarm status (menuAlarmStat) values we use. */
export const ALARM = { NO_ALARM: 0, STATE: 7, COMM: 9, TIMEOUT: 10, UDF: 17 } as const;

/** Most enum states and their longest label (MAX_ENUM_STATES, MAX_ENUM_STRING_SIZE - 1). */
export const MAX_ENUM_STATES = 16;
export const MAX_ENUM_LABEL = 25;

/** A wall-clock time: unix seconds and nanoseconds (the TAI64N stamp of a status file, as unix time). */
export interface Stamp {
  sec: number;
  nsec: number;
}

/** The current time as a Stamp (milliseconds: for what svca itself produces, heartbeat and alarms). */
export function nowStamp(): Stamp {
  const ms = Date.now();
  return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1e6 };
}

/** Is `a` later than `b`? */
export function laterThan(a: Stamp, b: Stamp): boolean {
  return a.sec > b.sec || (a.sec === b.sec && a.nsec > b.nsec);
}

/** A write's outcome: ECA_NORMAL, or an ECA error code with a message for the client. */
export interface WriteResult {
  eca: number;
  message?: string;
}

/** How a PV is made. */
export interface PvOptions {
  type: Dbf;
  value: number | string;
  enumStrings?: string[];
  units?: string;
  precision?: number;
  /** Called for a client write with the converted value (an enum index, a number or a string). */
  onWrite?: (value: number | string) => WriteResult;
}

/** The record type an IOC would serve such a PV from (DBR_CLASS_NAME): by field type and writability. */
function recordTypeOf(type: Dbf, writable: boolean): string {
  const [input, output] = type === DBF.ENUM ? ['mbbi', 'mbbo']
    : type === DBF.STRING ? ['stringin', 'stringout']
    : type === DBF.DOUBLE || type === DBF.FLOAT ? ['ai', 'ao']
    : ['longin', 'longout'];
  return writable ? output! : input!;
}

/** A PV; `update` changes it and tells its monitors which DBE bits changed. */
export class Pv {
  readonly type: Dbf;
  readonly enumStrings: readonly string[];
  readonly units: string;
  readonly precision: number;
  readonly onWrite?: (value: number | string) => WriteResult;
  /** The record type name (DBR_CLASS_NAME). */
  readonly recordType: string;
  value: number | string;
  status: number = ALARM.NO_ALARM;
  severity: number = SEVERITY.NO_ALARM;
  /** Time of the last change (TIME forms). */
  stamp: Stamp = nowStamp();
  /** No update has set the time yet (it is the time the PV was made). */
  private unstamped = true;
  private readonly listeners = new Set<(mask: number) => void>();

  constructor(readonly name: string, o: PvOptions) {
    this.type = o.type;
    this.enumStrings = (o.enumStrings ?? []).slice(0, MAX_ENUM_STATES).map((s) => s.slice(0, MAX_ENUM_LABEL));
    this.units = o.units ?? '';
    this.precision = o.precision ?? 0;
    this.onWrite = o.onWrite;
    this.recordType = recordTypeOf(o.type, o.onWrite !== undefined);
    this.value = o.value;
  }

  /** No update has set the time yet. */
  get fresh(): boolean {
    return this.unstamped;
  }

  /** True when clients may write (a write handler exists). */
  get writable(): boolean {
    return this.onWrite !== undefined;
  }

  /**
   * Sets value and alarm; monitors hear of it when something changed. `stamp` is when it changed
   * (default now); the first update also sets the time when nothing changed, so a PV made for a
   * value that was there before carries that value's time, not the time it was made.
   */
  update(value: number | string, status: number = ALARM.NO_ALARM, severity: number = SEVERITY.NO_ALARM, stamp?: Stamp | (() => Stamp)): void {
    let mask = 0;
    if (value !== this.value) mask |= DBE.VALUE | DBE.LOG;
    if (status !== this.status || severity !== this.severity) mask |= DBE.ALARM;
    if (!mask && !this.unstamped) return;
    this.stamp = (typeof stamp === 'function' ? stamp() : stamp) ?? nowStamp();
    this.unstamped = false;
    if (!mask) return;
    this.value = value;
    this.status = status;
    this.severity = severity;
    for (const l of [...this.listeners]) l(mask);
  }

  /** Handles a client write of `v` (already decoded from its DBR type). */
  write(v: number | string): WriteResult {
    if (!this.onWrite) return { eca: ECA.NOWTACCESS, message: 'read-only PV' };
    let x: number | string = v;
    if (this.type === DBF.ENUM) {
      if (typeof v === 'string') {
        const t = v.trim();
        const i = this.enumStrings.indexOf(t);
        if (i >= 0) x = i;
        else if (/^[+-]?\d+(\.0*)?$/.test(t)) x = Number(t);
        else return { eca: ECA.PUTFAIL, message: `${t}: not one of ${this.enumStrings.join('/')}` };
      }
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x >= this.enumStrings.length) {
        return { eca: ECA.PUTFAIL, message: `${String(v)}: not an index 0..${this.enumStrings.length - 1}` };
      }
    } else if (this.type !== DBF.STRING && typeof v === 'string') {
      const n = Number(v.trim());
      if (v.trim() === '' || !Number.isFinite(n)) return { eca: ECA.NOCONVERT, message: `${v}: not a number` };
      x = n;
    } else if (this.type === DBF.STRING && typeof v === 'number') {
      x = String(v);
    }
    return this.onWrite(x);
  }

  /** Registers a monitor listener (called with the changed DBE bits); returns its remover. */
  listen(fn: (mask: number) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** How many listeners (circuit channels with monitors) this PV has. */
  get listenerCount(): number {
    return this.listeners.size;
  }
}
