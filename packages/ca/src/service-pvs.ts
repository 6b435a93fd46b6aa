/**
 * The PVs of the services of one or more scan directories, kept in step with the protocol on
 * disk: `{PREFIX}:MAN:{NAME}_control`, `_hb`, `_status`, `_pid`, `_uptime`, `_restarts`,
 * `_last_exit`, `_ready`, and `{PREFIX}:MAN:all`. Status comes from serviceStatus (supervise/ok,
 * supervise/status, down, state.json through the bounded readers), control goes through
 * writeControl, so a real daemontools supervise works too. Services that appear get PVs at the
 * next scan; services that go away lose them (their channels are disconnected).
 */
import { readdirSync, realpathSync, statSync, watch, type FSWatcher } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { errnoText } from '@svkit/diag';
import { openSupervise, statusChangeKey, superviseRunning, writeControl, type DirHandle, type ServiceStatus } from '@svkit/protocol';
import { ECA } from './wire.js';
import { ALARM, DBF, Pv, SEVERITY, type WriteResult } from './pv.js';
import { consistentStatus, fileStamp, msStamp } from './status-snapshot.js';
import { controlValue, written, type ControlReadback } from './control-readback.js';
import type { PvRegistry } from './pv-registry.js';

/** Labels of `_control` and `all`, and the control letters each writes. */
export const CONTROL_LABELS = ['Stop', 'Run', 'Reset'];
const CONTROL_LETTERS = ['d', 'u', 'tu'];
/** Labels of `_status`. */
export const STATUS_LABELS = ['down', 'starting', 'up', 'stopping', 'finishing', 'gave up'];
/** Labels of `_ready`. */
export const READY_LABELS = ['no', 'yes'];
/** The per-service PV suffixes. */
export const SUFFIXES = ['control', 'hb', 'status', 'pid', 'uptime', 'restarts', 'last_exit', 'ready'] as const;
type Suffix = (typeof SUFFIXES)[number];

/** Characters allowed in a service name that becomes part of a PV name. */
const NAME_OK = /^[A-Za-z0-9_\-+.[\]<>;]{1,100}$/;

/**
 * The NAME of a service's PVs: its directory name, with the `@` of a template instance
 * (`ioc@alpha`, see svinstance) written `-` (`ioc-alpha`), as svconserver names its console;
 * `@` is not a character of EPICS record names.
 */
export function pvNameOf(dirName: string): string {
  return dirName.replace(/@/g, '-');
}

/** How the service PVs are made. */
export interface ServicePvOptions {
  /** Scan directories (the first one holding a name wins). */
  dirs: string[];
  prefix: string;
  /** How often the status files are checked for changes, ms. */
  intervalMs: number;
  /** A service directory to leave out of `all` (the server's own, so `all Stop` does not stop it). */
  excludeFromAll?: string;
  onWarn?: (text: string) => void;
}

interface Service extends ControlReadback {
  name: string;
  dir: string;
  real: string;
  pvs: Record<Suffix, Pv>;
  /** Identity of status and state.json at the last read (inode, mtime, size). */
  key: string;
  last?: ServiceStatus;
  hb: number;
  /** Full passes since the last complete read. */
  ticks: number;
  /** The inotify watch on DIR/supervise, and that directory's inode. */
  watcher?: FSWatcher;
  watchIno?: number;
  /** A read is scheduled after a watch event. */
  pending?: boolean;
}

/** Keeps the registry's service PVs in step with the scan directories. */
export class ServicePvs {
  private readonly services = new Map<string, Service>();
  private readonly all: Pv;
  private timer?: NodeJS.Timeout;
  private lastFull = 0;
  private readonly warned = new Set<string>();

  constructor(private readonly registry: PvRegistry, private readonly o: ServicePvOptions) {
    this.all = new Pv(`${o.prefix}:MAN:all`, {
      type: DBF.ENUM, value: 1, enumStrings: CONTROL_LABELS, onWrite: (v) => this.writeAll(v as number),
    });
    registry.add(this.all);
  }

  /** Scans now, then every intervalMs. */
  start(): void {
    this.tick();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const s of this.services.values()) this.unwatch(s);
  }

  /** The names of the services served now. */
  names(): string[] {
    return [...this.services.keys()];
  }

  private tick(): void {
    const now = Date.now();
    const full = now - this.lastFull >= 1000;
    if (full) this.lastFull = now;
    try {
      this.scan(full);
    } catch (e) {
      this.o.onWarn?.(`unable to scan: ${errnoText(e)}`);
    }
    this.timer = setTimeout(() => this.tick(), this.o.intervalMs);
  }

  /**
   * A `full` pass (every second) finds added and removed services and refreshes each; the passes
   * between only look for changed status files of services that have no directory watch.
   */
  scan(full: boolean): void {
    if (!full) {
      for (const s of this.services.values()) if (!s.watcher) this.refresh(s, false);
      this.updateAll();
      return;
    }
    const seen = new Map<string, string>();
    for (const root of this.o.dirs) {
      let entries;
      try {
        entries = readdirSync(root, { withFileTypes: true });
      } catch (e) {
        this.warnOnce(`scan:${root}`, `unable to read ${root}: ${errnoText(e)}`);
        continue;
      }
      for (const d of entries) {
        const pvName = pvNameOf(d.name);
        if (d.name.startsWith('.') || seen.has(pvName)) continue;
        if (!d.isDirectory() && !(d.isSymbolicLink() && isDir(join(root, d.name)))) continue;
        if (!NAME_OK.test(pvName)) {
          this.warnOnce(`name:${d.name}`, `not serving ${join(root, d.name)}: the name does not fit in a PV name`);
          continue;
        }
        seen.set(pvName, join(root, d.name));
      }
    }
    for (const [name, s] of this.services) {
      if (seen.get(name) !== s.dir) this.removeService(s);
    }
    for (const [name, dir] of seen) {
      const s = this.services.get(name) ?? this.addService(name, dir);
      this.refresh(s, true);
      this.watch(s);
    }
    this.updateAll();
  }

  /**
   * Watches DIR/supervise (inotify), so a status change is read at once instead of at the next
   * poll; without a watch (no supervise/ yet, no inotify watches left) the service is polled.
   * A supervise/ replaced by another directory is watched again.
   */
  private watch(s: Service): void {
    let sup: DirHandle;
    try {
      sup = openSupervise(s.dir); // as every client reaches it: a refused one is not watched
    } catch {
      return this.unwatch(s);
    }
    const ino = sup.stat().ino;
    if (s.watcher && s.watchIno === ino) return sup.close();
    this.unwatch(s);
    try {
      const w = watch(sup.path('.'), { persistent: false }, () => this.changedSoon(s)); // the held directory itself
      w.on('error', () => {
        if (s.watcher === w) this.unwatch(s);
      });
      s.watcher = w;
      s.watchIno = ino;
    } catch { /* polled instead */ } finally { sup.close(); }
  }

  private unwatch(s: Service): void {
    s.watcher?.close();
    s.watcher = undefined;
  }

  /** A file in supervise/ changed: read the service on the next turn (one read for a burst of events). */
  private changedSoon(s: Service): void {
    if (s.pending) return;
    s.pending = true;
    setImmediate(() => {
      s.pending = false;
      if (this.services.get(s.name) !== s) return;
      this.refresh(s, false);
      this.updateAll();
    });
  }

  private addService(name: string, dir: string): Service {
    const base = `${this.o.prefix}:MAN:${name}`;
    const mk = (suffix: Suffix, o: ConstructorParameters<typeof Pv>[1]): Pv => new Pv(`${base}_${suffix}`, o);
    let real = dir;
    try { real = realpathSync(dir); } catch { /* gone meanwhile: the next scan removes it */ }
    const s: Service = {
      name, dir, real, key: '', hb: 0, ticks: 0,
      pvs: {
        control: mk('control', { type: DBF.ENUM, value: 0, enumStrings: CONTROL_LABELS, onWrite: (v) => this.control(s, v as number) }),
        hb: mk('hb', { type: DBF.LONG, value: 0, units: 's' }),
        status: mk('status', { type: DBF.ENUM, value: 0, enumStrings: STATUS_LABELS }),
        pid: mk('pid', { type: DBF.LONG, value: 0 }),
        uptime: mk('uptime', { type: DBF.LONG, value: 0, units: 's' }),
        restarts: mk('restarts', { type: DBF.LONG, value: 0 }),
        last_exit: mk('last_exit', { type: DBF.LONG, value: -1 }),
        ready: mk('ready', { type: DBF.ENUM, value: 0, enumStrings: READY_LABELS }),
      },
    };
    this.services.set(name, s);
    for (const pv of Object.values(s.pvs)) this.registry.add(pv);
    return s;
  }

  private removeService(s: Service): void {
    this.unwatch(s);
    this.services.delete(s.name);
    for (const pv of Object.values(s.pvs)) this.registry.remove(pv.name);
  }

  private filesKey(s: Service): string {
    return statusChangeKey(s.dir); // supervise/ reached as every client does (openSupervise)
  }

  /**
   * Re-reads one service when its files changed; on a `full` pass (every second) it also checks
   * that its supervisor is alive (the heartbeat), updates the uptime, and every fifth one re-reads
   * everything (the `down` file has no other trace).
   */
  private refresh(s: Service, full: boolean): void {
    const key = this.filesKey(s);
    if (key === s.key && s.last) {
      if (!full) return;
      s.ticks++;
      if (s.ticks % 5 !== 0) {
        let alive = false;
        try { alive = superviseRunning(s.dir); } catch { /* unusable: as not running */ }
        if (alive) return this.show(s, s.last, true);
      }
    }
    const snap = consistentStatus(s.dir, key);
    if (!snap) {
      // the supervisor is between its writes of state.json and status: keep the values, and read
      // again when the status file changes (the watch) or at the next pass
      s.key = '';
      return;
    }
    s.key = snap.key;
    s.last = snap.st;
    this.show(s, snap.st, full);
  }

  /** Sets the PVs of `s` from `st` (undefined: no supervisor); `tick` advances the heartbeat. */
  private show(s: Service, st: ServiceStatus | undefined, tick: boolean): void {
    const p = s.pvs;
    if (!st) {
      // no supervisor: the values are stale, say so with INVALID/COMM
      for (const pv of Object.values(p)) pv.update(pv.value, ALARM.COMM, SEVERITY.INVALID);
      return;
    }
    if (tick) s.hb++;
    p.hb.update(s.hb); // svca's own count: stamped now
    const at = fileStamp(st, s.key);
    const x = st.extra;
    const state = x ? (x.gaveUp ? 'gave up' : x.state) : st.pid ? 'up' : 'down';
    const wantUp = st.want === 'u';
    const bad = wantUp && state !== 'up';
    p.status.update(Math.max(0, STATUS_LABELS.indexOf(state)), bad ? ALARM.STATE : ALARM.NO_ALARM, bad ? SEVERITY.MAJOR : SEVERITY.NO_ALARM, at(p.status));
    const c = controlValue(s, st);
    if (c !== undefined) p.control.update(c, ALARM.NO_ALARM, SEVERITY.NO_ALARM, at(p.control));
    p.pid.update(st.pid, ALARM.NO_ALARM, SEVERITY.NO_ALARM, at(p.pid));
    // counting up while a process runs: stamped now, as an IOC record scanned every second
    p.uptime.update(st.pid ? Math.max(0, Math.floor(Date.now() / 1000) - st.when.sec) : 0, ALARM.NO_ALARM, SEVERITY.NO_ALARM, st.pid ? undefined : at(p.uptime));
    p.restarts.update(x?.restarts ?? 0, ALARM.NO_ALARM, SEVERITY.NO_ALARM, at(p.restarts));
    p.last_exit.update(exitNumber(x?.lastExit), ALARM.NO_ALARM, SEVERITY.NO_ALARM, at(p.last_exit));
    const ready = x?.notifies ? x.ready : st.pid !== 0;
    const readySince = ready && x?.notifies && typeof x.readySince === 'number' ? x.readySince : undefined;
    p.ready.update(ready ? 1 : 0, ALARM.NO_ALARM, SEVERITY.NO_ALARM, readySince !== undefined ? msStamp(readySince) : at(p.ready));
  }

  private control(s: Service, index: number): WriteResult {
    try {
      writeControl(s.dir, CONTROL_LETTERS[index]!);
    } catch (e) {
      return { eca: ECA.PUTFAIL, message: `unable to control ${s.name}: ${controlError(e)}` };
    }
    this.wrote(s, index);
    // no value is published here: _control shows what supervise/status says once the supervisor
    // has acted on the letters (a monitor must never see a value the service did not go through)
    this.soon(s);
    return { eca: ECA.NORMAL };
  }

  private writeAll(index: number): WriteResult {
    const failed: string[] = [];
    for (const s of this.services.values()) {
      if (!this.inAll(s)) continue;
      try {
        writeControl(s.dir, CONTROL_LETTERS[index]!);
        this.wrote(s, index);
        this.soon(s);
      } catch (e) {
        failed.push(`${s.name} (${controlError(e)})`);
      }
    }
    if (failed.length) return { eca: ECA.PUTFAIL, message: `unable to control ${failed.join(', ')}` };
    return { eca: ECA.NORMAL };
  }

  /** Is `s` one of the services `all` controls: normally up (no `down` file), and not the server's own? */
  private inAll(s: Service): boolean {
    if (this.o.excludeFromAll && s.real === this.o.excludeFromAll) return false;
    return s.last ? !s.last.normallyDown : false;
  }

  /** `index` was written to the control of `s`: a Reset waits for its confirmation, another value ends it. */
  private wrote(s: Service, index: number): void {
    written(s, index, s.last);
    if (s.last) this.show(s, s.last, false); // Run after Reset: what the status already says
  }

  /** `all`: Reset when every service it controls reads Reset, Run when every one wants up, else Stop. */
  private updateAll(): void {
    let run = true;
    let reset = true;
    let n = 0;
    for (const s of this.services.values()) {
      if (!this.inAll(s)) continue;
      n++;
      if (s.last?.want !== 'u') run = false;
      if (s.pvs.control.value !== 2) reset = false;
    }
    this.all.update(run ? (reset && n ? 2 : 1) : 0);
  }

  /** Reads `s` again shortly after a control write (supervise acts on it within milliseconds). */
  private soon(s: Service): void {
    for (const ms of [10, 50]) {
      setTimeout(() => {
        if (this.services.get(s.name) !== s) return;
        this.refresh(s, false);
        this.updateAll();
      }, ms).unref();
    }
  }

  private warnOnce(key: string, text: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.o.onWarn?.(text);
  }
}

/** Why a control write failed, in svc's words. */
function controlError(e: unknown): string {
  return (e as NodeJS.ErrnoException).code === 'ENXIO' ? 'supervise not running' : errnoText(e);
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** `_last_exit`: the exit code, 128 + the signal number when killed, -1 when none or unknown. */
export function exitNumber(e: { code: number | null; signal: string | null } | null | undefined): number {
  if (!e) return -1;
  if (e.code !== null) return e.code;
  const n = e.signal ? (osConstants.signals as Record<string, number>)[e.signal] : undefined;
  return n !== undefined ? 128 + n : -1;
}
