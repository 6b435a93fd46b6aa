/**
 * supervise/state.json as the web server trusts it: the file may be anyone's (a user who owns a
 * service directory nobody supervises writes what they like there), so it is read bounded, without
 * following a link, and every field is checked for its type and range. A file that fails is an
 * error for that one service (shown as unknown), never a wrong number on the page or in /metrics.
 */
import { join } from 'node:path';
import { readBounded, STATE_JSON, STATE_JSON_CAP, type ExtraState, type State } from '@svkit/protocol';
import { errnoText } from '@svkit/diag';
import { requestError } from './request-error.js';

const STATES: readonly string[] = ['down', 'starting', 'up', 'stopping', 'finishing'] satisfies State[];
const WANTS: readonly string[] = ['up', 'down', 'once'];
/** Largest pid Linux hands out (pid_max's ceiling, 2^22). */
const PID_MAX = 4194304;
/** A signal name as the supervisor writes it (SIGKILL) or a number. */
const SIGNAL = /^[A-Z][A-Z0-9+]{0,15}$|^\d{1,3}$/;

type Json = Record<string, unknown>;

const bad = (why: string): Error => requestError('EBADMSG', why);

const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function field<T>(o: Json, name: string, ok: (v: unknown) => boolean, absent: T): T {
  const v = o[name];
  if (v === undefined) return absent;
  if (!ok(v)) throw bad(`field ${name} is not valid`);
  return v as T;
}

function lastExit(v: unknown): boolean {
  if (v === null) return true;
  if (typeof v !== 'object' || Array.isArray(v)) return false;
  const e = v as Json;
  return (e.code === null || (Number.isInteger(e.code) && (e.code as number) >= -1 && (e.code as number) <= 255))
    && (e.signal === null || (typeof e.signal === 'string' && SIGNAL.test(e.signal)))
    && isTime(e.at);
}

/** Checks a parsed state.json; throws EBADMSG naming the first bad field. */
export function checkExtra(o: unknown): Partial<ExtraState> & { pid: number } {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw bad('not a JSON object');
  const j = o as Json;
  const isBool = (v: unknown): boolean => typeof v === 'boolean';
  const orNull = (ok: (v: unknown) => boolean) => (v: unknown): boolean => v === null || ok(v);
  const pid = field(j, 'pid', (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= PID_MAX, undefined as number | undefined);
  if (pid === undefined) throw bad('field pid is missing');
  const x: Partial<ExtraState> & { pid: number } = { pid };
  x.state = field(j, 'state', (v) => typeof v === 'string' && STATES.includes(v), undefined);
  x.want = field(j, 'want', (v) => typeof v === 'string' && WANTS.includes(v), undefined);
  x.since = field(j, 'since', isTime, undefined);
  x.ready = field(j, 'ready', isBool, undefined);
  x.readySince = field(j, 'readySince', orNull(isTime), null);
  x.lastExit = field(j, 'lastExit', lastExit, null);
  x.restarts = field(j, 'restarts', isCount, undefined);
  x.quickDeaths = field(j, 'quickDeaths', isCount, undefined);
  x.gaveUp = field(j, 'gaveUp', isBool, undefined);
  x.nextStart = field(j, 'nextStart', orNull(isTime), null);
  x.backoff = field(j, 'backoff', isBool, undefined);
  x.notifies = field(j, 'notifies', isBool, undefined);
  return x;
}

/**
 * The checked state.json of DIR when it is about `pid` (the status record's process); undefined
 * when there is none (daemontools' supervise) or it is about another process (one took over).
 * Throws an Error whose message says what is wrong (`unable to read supervise/state.json: ...`).
 */
export function readCheckedExtra(dir: string, pid: number): (Partial<ExtraState> & { pid: number }) | undefined {
  let x;
  try {
    const r = readBounded(join(dir, STATE_JSON), STATE_JSON_CAP);
    if (r.truncated) throw bad(`larger than ${STATE_JSON_CAP} bytes`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(r.data.toString('utf8'));
    } catch {
      throw bad('not JSON');
    }
    x = checkExtra(parsed);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`unable to read ${STATE_JSON}: ${(e as NodeJS.ErrnoException).code === 'EBADMSG' ? (e as Error).message : errnoText(e)}`);
  }
  return x.pid === pid ? x : undefined;
}
