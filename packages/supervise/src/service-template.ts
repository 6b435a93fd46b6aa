/**
 * Service templates, as systemd's `ioc@.service`: a template directory `T@` whose files may say `%i`
 * (the instance name; `%%` is a literal `%`), and instances `T@NAME` in a scan directory that are
 * plain service directories (the names substituted on creation), so every daemontools tool reads them.
 */
import { chmodSync, chownSync, lchownSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { errnoError } from '@svkit/diag';
import { writeControl } from '@svkit/protocol/control-write';
import { DirHandle } from '@svkit/protocol/dir-handle';
import { LOG, SUPERVISE_DIR } from '@svkit/protocol/layout';
import { superviseRunning } from '@svkit/protocol/ok-probe';
import { EUNTRUSTED } from '@svkit/protocol/supervise-access';
import { readBounded } from '@svkit/protocol/safe-read';

/** Largest template file copied. */
export const TEMPLATE_FILE_CAP = 16 * 1024 * 1024;

/** Where templates are looked up when not given: SCANDIR/.templates (a dot directory: no svscan supervises it). */
export const TEMPLATES_DIR = '.templates';

/** `T@NAME` split; throws EINVAL for anything else (NAME: letters, digits, `.` `_` `-`, not starting with `.`). */
export function parseInstance(instance: string): { template: string; name: string } {
  const m = /^([A-Za-z0-9_][A-Za-z0-9._-]*@)([A-Za-z0-9_][A-Za-z0-9._-]*)$/.exec(instance);
  if (!m) throw errnoError('EINVAL', `${instance} is not TEMPLATE@NAME (letters, digits, . _ -)`);
  return { template: m[1]!, name: m[2]! };
}

/** `%i` -> name, `%%` -> `%`; other `%` sequences are left alone. */
export function substitute(text: string, name: string): string {
  return text.replace(/%[%i]/g, (m) => (m === '%%' ? '%' : name));
}

/** What creating an instance did not copy (FIFOs, sockets, devices, the template's own supervise/). */
export interface CreateReport {
  skipped: string[];
}

/** Copies template tree `from` to `to` (which must not exist), substituting in text files and link targets. */
function copyTree(from: string, to: string, name: string, rel: string, report: CreateReport): void {
  const st = lstatSync(from);
  mkdirSync(to, { mode: 0o700 });
  for (const entry of readdirSync(from).sort()) {
    const src = join(from, entry);
    const dst = join(to, substitute(entry, name));
    const r = rel ? `${rel}/${entry}` : entry;
    const s = lstatSync(src);
    if (entry === SUPERVISE_DIR) { report.skipped.push(r); continue; }
    if (s.isDirectory()) copyTree(src, dst, name, r, report);
    else if (s.isSymbolicLink()) symlinkSync(substitute(readlinkSync(src), name), dst);
    else if (s.isFile()) {
      const { data, truncated } = readBounded(src, TEMPLATE_FILE_CAP);
      if (truncated) throw errnoError('EFBIG', `${src} is larger than ${TEMPLATE_FILE_CAP} bytes`);
      const text = data.includes(0) ? data : Buffer.from(substitute(data.toString('latin1'), name), 'latin1');
      writeFileSync(dst, text, { mode: 0o600, flag: 'wx' });
      chmodSync(dst, s.mode & 0o7777);
    } else report.skipped.push(r);
  }
  chmodSync(to, st.mode & 0o7777);
}

/** chown -R without following links. */
function chownTree(path: string, uid: number, gid: number): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) { lchownSync(path, uid, gid); return; }
  if (st.isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e), uid, gid);
  chownSync(path, uid, gid);
}

/**
 * Creates `scan/T@NAME` from template directory `template`: built under a dot name (invisible to
 * svscan), owned by `owner` if given (then run/finish run as that user, see Trust), and renamed
 * into place complete, so svscan starts it with its log at once. EEXIST if the instance exists.
 */
export function createInstance(scan: string, template: string, instance: string, owner?: { uid: number; gid: number }): CreateReport {
  const { name } = parseInstance(instance);
  const target = join(scan, instance);
  let exists = true;
  try { lstatSync(target); } catch { exists = false; }
  if (exists) throw errnoError('EEXIST', `${target} exists`);
  if (!lstatSync(template).isDirectory()) throw errnoError('ENOTDIR', `${template} is not a directory`);
  const tmp = join(scan, `.${instance}.new-${process.pid}`);
  removeTree(tmp);
  const report: CreateReport = { skipped: [] };
  try {
    copyTree(template, tmp, name, '', report);
    if (owner) chownTree(tmp, owner.uid, owner.gid);
    renameSync(tmp, target);
  } catch (e) {
    removeTree(tmp);
    throw e;
  }
  return report;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `cond` holds, polling every 50 ms; false after `timeoutMs`. */
async function until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (cond()) return true;
    if (Date.now() > end) return false;
    await sleep(50);
  }
}

/** True when a supervisor runs for `dir`; a supervise/ its supervisor would not own is not ignored (EUNTRUSTED thrown). */
const running = (dir: string): boolean => {
  try {
    return superviseRunning(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === EUNTRUSTED) throw e;
    return false;
  }
};

/** Waits until a supervisor runs for `dir` (and for its log/, if any). */
export function waitSupervised(dir: string, timeoutMs: number): Promise<boolean> {
  let hasLog = false;
  try { hasLog = lstatSync(join(dir, LOG)).isDirectory(); } catch { /* none */ }
  return until(() => running(dir) && (!hasLog || running(join(dir, LOG))), timeoutMs);
}

/** Opens directory `name` in `parent` without following a link; undefined when it is not a directory (or absent). */
function openSub(parent: DirHandle, name: string): DirHandle | undefined {
  try {
    return DirHandle.open(parent.path(name));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return undefined;
    throw e;
  }
}

/**
 * Deletes `name` in `parent` and everything below it through held descriptors: a link is removed
 * itself, a directory is emptied through its own descriptor. The owner of the tree (maybe another
 * user) swapping a directory for a link meanwhile cannot make us delete anything outside it.
 */
function removeAt(parent: DirHandle, name: string): void {
  const sub = openSub(parent, name);
  if (!sub) {
    try { unlinkSync(parent.path(name)); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; }
    return;
  }
  try {
    for (const entry of readdirSync(sub.path('.'))) removeAt(sub, entry);
  } finally {
    sub.close();
  }
  rmdirSync(parent.path(name));
}

/**
 * Removes instance `scan/T@NAME` the daemontools way: renamed to a dot name (svscan forgets it),
 * the service then its logger (a real log/ subdirectory only, never a link) stopped with `dx` and
 * waited for, then deleted through descriptors. ETIMEDOUT leaves the renamed directory (named in
 * the error) for the operator.
 */
export async function removeInstance(scan: string, instance: string, timeoutMs: number): Promise<void> {
  parseInstance(instance);
  const target = join(scan, instance);
  const st = lstatSync(target);
  if (!st.isDirectory()) throw errnoError('ENOTDIR', `${target} is not a directory (a link? remove it with rm)`);
  const gone = join(scan, `.${instance}.removed-${process.pid}`);
  renameSync(target, gone);
  const top = DirHandle.open(gone);
  const log = openSub(top, LOG);
  try {
    for (const [h, dir] of [[top, gone], [log, join(gone, LOG)]] as const) {
      if (!h) continue;
      const at = h.path('.');
      if (!running(at)) continue;
      writeControl(at, 'dx');
      if (!(await until(() => !running(at), timeoutMs))) throw errnoError('ETIMEDOUT', `${dir} did not stop; it is left there`);
    }
  } finally {
    log?.close();
    top.close();
  }
  removeTree(gone);
}

/** Deletes `path` (whose parent directory is trusted) and everything below it, see removeAt. */
function removeTree(path: string): void {
  const parent = DirHandle.open(dirname(path), true);
  try {
    removeAt(parent, basename(path));
  } finally {
    parent.close();
  }
}
