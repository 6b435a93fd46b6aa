/**
 * A running svscan (ours or daemontools') over a scan directory, and its complete teardown.
 * Ours stops on SIGTERM (all services down, then exit). daemontools' svscan just dies on SIGTERM,
 * so theirs gets `svc -dx` on every service, then SIGKILL to its process group (svscan is started
 * detached, so it leads one), then SIGKILL to any process still working in the temp dir.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { killGroup, killPid, onCleanup, tempDir } from './cleanup.js';
import { allProcs, procCwd, processTree, running } from './proc-info.js';
import { sleep, waitFor } from './sleep.js';
import { statusPid } from './status-file.js';
import { tool, type Side } from './tools.js';

/** A supervision tree rooted at one svscan process. */
export class ScanTree {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly unregister: () => Promise<void>;

  /** Starts `svscan scanDir` for `side`; `home` is the temp dir everything lives in (stderr goes to home/svscan.err). */
  constructor(readonly side: Side, readonly scanDir: string, private readonly home: string) {
    const err = openSync(join(home, `svscan-${side}.err`), 'a');
    try {
      this.child = spawn(tool(side, 'svscan'), [scanDir], { cwd: home, detached: true, stdio: ['ignore', 'ignore', err] });
    } finally {
      closeSync(err);
    }
    const c = this.child;
    this.exited = new Promise((r) => {
      if (c.exitCode !== null || c.signalCode !== null) r();
      else c.once('exit', () => r());
    });
    c.on('error', () => {});
    this.unregister = onCleanup(() => this.teardown());
  }

  /** PID of svscan. */
  get pid(): number {
    return this.child!.pid!;
  }

  /** Service directories currently in the scan dir (dot names skipped, as svscan does). */
  serviceDirs(): string[] {
    return readdirSync(this.scanDir).filter((n) => !n.startsWith('.')).map((n) => join(this.scanDir, n));
  }

  /** Waits until every service in `dirs` has a running pid in its status file. */
  async waitUp(dirs: string[] = this.serviceDirs(), timeoutMs = 60000): Promise<void> {
    await waitFor(() => {
      if (!running(this.pid)) throw new Error(`${this.side} svscan exited early (see ${this.home}/svscan-${this.side}.err)`);
      return dirs.every((d) => (statusPid(d) ?? 0) > 0);
    }, timeoutMs, `${dirs.length} services up under ${this.side} svscan`, 100);
  }

  /** PIDs of the services themselves (from their status files). */
  servicePids(): Set<number> {
    const s = new Set<number>();
    for (const d of this.serviceDirs()) {
      const p = statusPid(d);
      if (p) s.add(p);
    }
    return s;
  }

  /** { supervision: svscan and its supervise processes (everything but the services), all: the whole tree }. */
  pids(): { supervision: number[]; all: number[] } {
    const services = this.servicePids();
    const all = processTree(this.pid).map((p) => p.pid);
    return { supervision: all.filter((p) => !services.has(p)), all };
  }

  /** Stops everything this tree started (idempotent). */
  stop(): Promise<void> {
    return this.unregister();
  }

  private async teardown(): Promise<void> {
    const pgid = this.pid;
    if (this.side === 'ours') {
      killPid(pgid, 'SIGTERM');
      await Promise.race([this.exited, sleep(20000)]);
    } else {
      const dirs = this.serviceDirs();
      killPid(pgid, 'SIGKILL'); // no rescans meanwhile
      if (dirs.length) spawnSync(tool('theirs', 'svc'), ['-dx', ...dirs], { stdio: 'ignore' });
      await waitFor(() => processTree(pgid).length === 0 && !this.leftovers().length, 5000, 'supervise exits').catch(() => {});
    }
    killGroup(pgid, 'SIGKILL');
    for (const p of this.leftovers()) killPid(p, 'SIGKILL');
    await Promise.race([this.exited, sleep(2000)]);
  }

  /** Processes whose working directory is inside our temp dir (stray supervise or services). */
  private leftovers(): number[] {
    return allProcs().filter((p) => p.pid !== process.pid && inside(procCwd(p.pid), this.home)).map((p) => p.pid);
  }
}

function inside(path: string | undefined, dir: string): boolean {
  return path !== undefined && (path === dir || path.startsWith(`${dir}/`));
}

/**
 * Runs `body` against a fresh svscan of `side` over `home/scan`, after `setup(scan, home)` filled
 * the scan dir; stops the tree and removes the temp dir afterwards, whatever happens.
 */
export async function withScanTree<T>(
  side: Side,
  prefix: string,
  setup: (scan: string, home: string) => void,
  body: (tree: ScanTree, scan: string, home: string) => Promise<T>,
): Promise<T> {
  const { dir, remove } = tempDir(prefix);
  try {
    const scan = join(dir, 'scan');
    setup(scan, dir);
    const tree = new ScanTree(side, scan, dir);
    try {
      return await body(tree, scan, dir);
    } finally {
      await tree.stop();
    }
  } finally {
    await remove();
  }
}
