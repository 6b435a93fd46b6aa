/**
 * svinstance: instances of service templates, as `systemctl start|stop ioc@NAME`.
 *   svinstance [-t TEMPLATES] [-u USER] [-W SECONDS] add SCANDIR T@NAME...
 *   svinstance [-W SECONDS] remove SCANDIR T@NAME...
 */
import { join, resolve } from 'node:path';
import { processIo, runMain, type Io } from '@svkit/diag';
import { getpwnam } from '@svkit/sys';
import { createInstance, parseInstance, removeInstance, TEMPLATES_DIR, waitSupervised } from './service-template.js';

const USAGE = 'svinstance [-t TEMPLATES] [-u USER] [-W SECONDS] add|remove SCANDIR TEMPLATE@NAME...';
const HELP = `Usage: ${USAGE}
  add     copy template directory TEMPLATES/TEMPLATE@ (default SCANDIR/${TEMPLATES_DIR}) to SCANDIR/TEMPLATE@NAME,
          with %i in file contents, names and link targets replaced by NAME (%% is %), then wait until
          svscan supervises it (and its log)
  remove  rename SCANDIR/TEMPLATE@NAME to a dot name, stop it and its log (svc -dx), delete it
  -t DIR      where templates are (default SCANDIR/${TEMPLATES_DIR})
  -u USER     the instance belongs to USER, so its run and finish run as USER (svscan as root)
  -W SECONDS  how long to wait for svscan (add) or for the service to stop (remove); default 30, 0: do not wait
Each instance stays a plain service directory: svc, svstat and daemontools' tools work on it.`;

/** Entry point of `svinstance`. */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('svinstance', io, async (e) => {
    let templates: string | undefined;
    let owner: { uid: number; gid: number } | undefined;
    let waitS = 30;
    let i = 0;
    for (; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === '-h' || a === '--help') { io.out(`${HELP}\n`); return 0; }
      if (a === '--') { i++; break; }
      if (!a.startsWith('-') || a === '-') break;
      const opt = a.slice(0, 2);
      const v = a.length > 2 ? a.slice(2) : argv[++i];
      if (v === undefined) e.dieUsage(`option ${opt} needs an argument\nusage: ${USAGE}`);
      if (opt === '-t') templates = v;
      else if (opt === '-u') {
        const pw = getpwnam(v);
        if (!pw) return e.die(111, `unable to use user ${v}: no such user`);
        owner = { uid: pw.uid, gid: pw.gid };
      } else if (opt === '-W') {
        if (!/^\d+$/.test(v)) e.dieUsage(`bad wait: ${v}\nusage: ${USAGE}`);
        waitS = Number(v);
      } else e.dieUsage(`unknown option: ${a}\nusage: ${USAGE}`);
    }
    const [verb, scan, ...instances] = argv.slice(i);
    if ((verb !== 'add' && verb !== 'remove') || scan === undefined || instances.length === 0) e.dieUsage(USAGE);
    for (const inst of instances) {
      try { parseInstance(inst); } catch { e.dieUsage(`${inst} is not TEMPLATE@NAME (letters, digits, . _ -)\nusage: ${USAGE}`); }
    }
    let failed = false;
    for (const inst of instances) {
      const dir = join(scan, inst);
      if (verb === 'add') {
        const template = join(templates ?? join(scan, TEMPLATES_DIR), parseInstance(inst).template);
        try {
          const r = createInstance(scan, template, inst, owner);
          for (const s of r.skipped) e.warn(`${template}/${s} not copied: not a file, directory or link (or a supervise/)`);
        } catch (err) {
          e.warnSys(`unable to create ${dir}`, err);
          failed = true;
          continue;
        }
        if (waitS > 0 && !(await waitSupervised(dir, waitS * 1000))) {
          e.warn(`created ${dir}, but nothing supervises it after ${waitS} s (is svscan running on ${resolve(scan)}?)`);
          failed = true;
        }
      } else {
        try {
          await removeInstance(scan, inst, (waitS || 30) * 1000);
        } catch (err) {
          e.warnSys(`unable to remove ${dir}`, err);
          failed = true;
        }
      }
    }
    return failed ? 111 : 0;
  });
}
