/**
 * DBR types: encoding a PV's value as any of the 35 plain/STS/TIME/GR/CTRL types a client asks
 * for (converting between enum, numbers and strings), and decoding the value of a write.
 * Layouts follow libca's db_access.h (big-endian, metadata then the value array).
 */
import { ECA } from './wire.js';
import { DBF, type Pv } from './pv.js';

/** Highest DBR type of the plain..CTRL classes (DBR_CTRL_DOUBLE). */
export const MAX_DBR = 34;
/** Alarm acknowledgement (alarm handlers): status, severity, ackt, acks, the value as a string. */
export const DBR_STSACK_STRING = 37;
/** The record type name. */
export const DBR_CLASS_NAME = 38;
/** DBR_STRING element size (MAX_STRING_SIZE). */
export const STRING_SIZE = 40;
/** EPICS epoch (1990-01-01) in unix seconds. */
export const EPICS_EPOCH = 631152000;
/** Most elements a request may ask for (our PVs hold one; extra elements are zero). */
export const MAX_COUNT = 4096;

const ELEMENT = [STRING_SIZE, 2, 4, 2, 1, 4, 8];
// metadata size before the value, by [class][base]: plain, STS, TIME, GR, CTRL
const META = [
  [0, 0, 0, 0, 0, 0, 0],
  [4, 4, 4, 4, 5, 4, 8],
  [12, 14, 12, 14, 15, 12, 16],
  [4, 24, 40, 422, 19, 36, 64],
  [4, 28, 48, 422, 21, 44, 80],
];

/** Size in bytes (unpadded) of `count` elements of DBR type `type`. */
export function dbrSize(type: number, count: number): number {
  if (type === DBR_STSACK_STRING) return 8 + STRING_SIZE * count;
  if (type === DBR_CLASS_NAME) return STRING_SIZE * count;
  return META[Math.floor(type / 7)]![type % 7]! + ELEMENT[type % 7]! * count;
}

/** The value of `pv` converted to base type `base`: a string for STRING, a number otherwise. */
export function convert(pv: Pv, base: number): { value: number | string; ok: boolean } {
  const v = pv.value;
  if (base === DBF.STRING) {
    if (typeof v === 'string') return { value: v, ok: true };
    if (pv.type === DBF.ENUM) return { value: pv.enumStrings[v] ?? String(v), ok: true };
    return { value: pv.type === DBF.DOUBLE || pv.type === DBF.FLOAT ? v.toFixed(pv.precision) : String(v), ok: true };
  }
  if (typeof v === 'number') return { value: v, ok: true };
  const n = Number(v.trim());
  return v.trim() !== '' && Number.isFinite(n) ? { value: n, ok: true } : { value: 0, ok: false };
}

function writeNumber(b: Buffer, off: number, base: number, n: number): void {
  switch (base) {
    case DBF.SHORT: b.writeInt16BE(clampInt(n, -32768, 32767), off); break;
    case DBF.FLOAT: b.writeFloatBE(n, off); break;
    case DBF.ENUM: b.writeUInt16BE(clampInt(n, 0, 65535), off); break;
    case DBF.CHAR: b.writeUInt8(clampInt(n, 0, 255), off); break;
    case DBF.LONG: b.writeInt32BE(clampInt(n, -2147483648, 2147483647), off); break;
    case DBF.DOUBLE: b.writeDoubleBE(n, off); break;
  }
}

function clampInt(n: number, lo: number, hi: number): number {
  const t = Math.trunc(n);
  return Number.isNaN(t) ? 0 : Math.min(hi, Math.max(lo, t));
}

function writeText(b: Buffer, off: number, s: string, size: number): void {
  b.write(s.slice(0, size - 1), off, size - 1, 'latin1');
}

/** An encoded reply value: the DBR bytes, the element count sent, and an ECA status. */
export interface Encoded {
  data: Buffer;
  count: number;
  eca: number;
}

/**
 * Encodes `pv` as DBR type `type` with `count` elements (0 = all, i.e. 1); ECA_BADTYPE for a type
 * we do not serve, ECA_BADCOUNT for too many, ECA_NOCONVERT when a string is no number (the
 * payload is then zeroed, as rsrv does).
 */
export function encodeDbr(pv: Pv, type: number, count: number): Encoded {
  if (type === DBR_STSACK_STRING || type === DBR_CLASS_NAME) return encodeSpecial(pv, type);
  if (type > MAX_DBR) return { data: Buffer.alloc(0), count: 0, eca: ECA.BADTYPE };
  const n = count === 0 ? 1 : count;
  if (n > MAX_COUNT) return { data: Buffer.alloc(0), count: 0, eca: ECA.BADCOUNT };
  const cls = Math.floor(type / 7);
  const base = type % 7;
  const b = Buffer.alloc(dbrSize(type, n));
  const { value, ok } = convert(pv, base);
  if (!ok) return { data: b, count: n, eca: ECA.NOCONVERT };
  if (cls >= 1) {
    b.writeInt16BE(pv.status, 0);
    b.writeInt16BE(pv.severity, 2);
  }
  if (cls === 2) {
    b.writeUInt32BE(Math.max(0, pv.stamp.sec - EPICS_EPOCH), 4);
    b.writeUInt32BE(pv.stamp.nsec, 8);
  }
  if (cls >= 3 && base !== DBF.STRING) {
    if (base === DBF.ENUM) {
      const labels = pv.enumStrings;
      b.writeInt16BE(labels.length, 4);
      labels.forEach((s, i) => writeText(b, 6 + i * 26, s, 26));
    } else if (base === DBF.FLOAT || base === DBF.DOUBLE) {
      b.writeInt16BE(pv.precision, 4);
      writeText(b, 8, pv.units, 8);
      // no alarm limits set: NaN, as an IOC's dbAccess gives them (upper alarm, upper warning,
      // lower warning, lower alarm follow the two display limits); integer forms carry 0 there
      const size = ELEMENT[base]!;
      for (let i = 2; i < 6; i++) writeNumber(b, 16 + i * size, base, NaN);
    } else {
      writeText(b, 4, pv.units, 8);
    }
    // display and control limits stay 0 (no limits)
  }
  const off = META[cls]![base]!;
  if (base === DBF.STRING) writeText(b, off, String(value), STRING_SIZE);
  else writeNumber(b, off, base, value as number);
  return { data: b, count: n, eca: ECA.NORMAL };
}

/**
 * DBR_STSACK_STRING and DBR_CLASS_NAME, one element whatever the count (as rsrv). svca takes no
 * acknowledgement writes (DBR_PUT_ACKT/ACKS), so its PVs answer as records with ACKT NO that no
 * one acknowledged: ackt 0, acks the current severity (recGblResetAlarms sets acks to each new
 * severity when ackt is off).
 */
function encodeSpecial(pv: Pv, type: number): Encoded {
  const b = Buffer.alloc(dbrSize(type, 1));
  if (type === DBR_CLASS_NAME) {
    writeText(b, 0, pv.recordType, STRING_SIZE);
    return { data: b, count: 1, eca: ECA.NORMAL };
  }
  b.writeUInt16BE(pv.status, 0);
  b.writeUInt16BE(pv.severity, 2);
  b.writeUInt16BE(0, 4);
  b.writeUInt16BE(pv.severity, 6);
  writeText(b, 8, String(convert(pv, DBF.STRING).value), STRING_SIZE);
  return { data: b, count: 1, eca: ECA.NORMAL };
}

/**
 * Decodes the first element of a write payload of plain DBR type `type`; undefined when the type
 * is not a plain one (0..6) or the payload is too short.
 */
export function decodeWrite(type: number, payload: Buffer): number | string | undefined {
  if (type > DBF.DOUBLE) return undefined;
  if (type === DBF.STRING) {
    // libca pads a one-element string only to 8 bytes: read up to the first NUL, at most 40
    const end = Math.min(payload.length, STRING_SIZE);
    const nul = payload.indexOf(0);
    return payload.toString('latin1', 0, nul >= 0 && nul < end ? nul : end);
  }
  if (payload.length < ELEMENT[type]!) return undefined;
  switch (type) {
    case DBF.SHORT: return payload.readInt16BE(0);
    case DBF.FLOAT: return payload.readFloatBE(0);
    case DBF.ENUM: return payload.readUInt16BE(0);
    case DBF.CHAR: return payload.readUInt8(0);
    case DBF.LONG: return payload.readInt32BE(0);
    default: return payload.readDoubleBE(0);
  }
}
