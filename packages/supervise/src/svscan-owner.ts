/**
 * svscan-owner UID: the supervisor of one user's service directories, started by root svscan as
 * that user (owner-link.ts). Everything it does in those directories (opening, writing supervise/,
 * starting ./run and log/run, adopting after a restart, reopening a log pipe through /proc) it does
 * with the owner's rights, so a link or a race the owner sets up reaches only what the owner could
 * reach anyway. Directories arrive as descriptors (owner-channel.ts); a crash loop restarts at most
 * once a second whatever the settings say. It exits when root svscan is gone (its services go on,
 * and the next svscan's supervisor adopts them), or after bringing them down on TERM or INT.
 */
import { fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import { errnoText, runMain, type Io, processIo } from '@svkit/diag';
import { closeQuiet, recvFds, setCloseOnExec, startReaping } from '@svkit/sys';
import { decodeMessage, OWNER_FD, type OwnerMessage } from './owner-channel.js';
import { RESCAN_MS, ServiceSet } from './service-set.js';
import { UNTRUSTED_MIN_RESTART_DELAY_MS } from './service-config.js';

/** Entry point of the per-owner supervisor (not a command: root svscan starts it). */
export function main(argv: string[], io: Io = processIo): Promise<number> {
  return runMain('svscan', io, (e) => {
    const uid = Number(argv[0]);
    if (argv.length !== 1 || !/^\d+$/.test(argv[0]!) || uid === 0 || process.geteuid!() !== uid) {
      e.dieUsage('svscan-owner UID (started by svscan as that user)');
    }
    try {
      if (!fstatSync(OWNER_FD.socket).isSocket() || !fstatSync(OWNER_FD.bell).isFIFO()) throw Object.assign(new Error('not started by svscan'), { code: 'EBADF' });
    } catch (err) {
      e.dieSys('unable to read from svscan', err);
    }
    process.title = `svscan-owner ${uid}`;
    // the channel from svscan is ours alone: no service of ours inherits it
    setCloseOnExec(OWNER_FD.socket, true);
    setCloseOnExec(OWNER_FD.bell, true);
    return new Promise<number>((resolve) => {
      startReaping();
      const set = new ServiceSet({ io, prog: 'svscan', ownOnly: true, restartFloorMs: UNTRUSTED_MIN_RESTART_DELAY_MS, onIdle: () => resolve(0) });
      const receive = (): void => {
        for (;;) {
          let got;
          try {
            got = recvFds(OWNER_FD.socket);
          } catch (err) {
            e.warn(`unable to read from svscan: ${errnoText(err)}`);
            continue;
          }
          if (!got) return; // nothing more now (undefined), or svscan closed (null: the bell says it too)
          let m: OwnerMessage;
          try {
            m = decodeMessage(got.data, got.fds.length);
          } catch (err) {
            got.fds.forEach(closeQuiet);
            e.warn(`unable to read from svscan: ${errnoText(err)}`);
            continue;
          }
          take(set, m, got.fds, (msg) => e.warn(msg));
        }
      };
      const bell = new Socket({ fd: OWNER_FD.bell, readable: true, writable: false });
      bell.on('data', receive);
      // svscan is gone (killed, or it exits): leave the services running for the next one to adopt
      const orphaned = (): void => {
        if (!set.stopping) resolve(0);
      };
      bell.on('end', orphaned);
      bell.on('error', orphaned);
      process.on('uncaughtException', (err) => e.warn(`internal error, going on: ${errnoText(err)}`));
      const down = (): void => set.shutdown();
      process.on('SIGTERM', down);
      process.on('SIGINT', down);
      const check = (force: boolean): void => {
        if (!force && !set.collectLogEvents() && !set.missing()) return;
        const ev = set.takeLogEvents();
        for (const ent of set.entries.values()) if (!ent.gone) set.ensure(ent, ev);
      };
      process.on('SIGHUP', () => check(true));
      setInterval(() => check(false), RESCAN_MS).unref();
      receive();
    });
  });
}

/** Acts on one message of root svscan, whose descriptors `fds` it takes. */
function take(set: ServiceSet, m: OwnerMessage, fds: number[], warn: (msg: string) => void): void {
  if (m.op === 'gone') {
    const ent = set.entries.get(m.key);
    if (ent) set.markGone(ent);
    return;
  }
  const old = set.entries.get(m.key);
  if (old) {
    fds.forEach(closeQuiet); // handed again (it came back to the scan directory)
    if (!old.gone) return;
    set.ensure(old, set.takeLogEvents());
    return;
  }
  const uid = fstatSync(fds[0]!).uid;
  if (uid !== process.geteuid!()) {
    fds.forEach(closeQuiet);
    warn(`unable to supervise ${m.name}: owned by uid ${uid}, not by uid ${process.geteuid!()}`);
    return;
  }
  const ent = set.add(m.name, m.key, fds[0]!, m.op === 'log');
  if (m.op === 'log') ent.pipe = [fds[1]!, fds[1]!];
  set.ensure(ent, set.takeLogEvents());
}
