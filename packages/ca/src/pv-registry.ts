/** The PVs a server serves, by name; removing one tells the circuits to disconnect its channels. */
import type { Pv } from './pv.js';

/** A name -> PV map with add/remove listeners. */
export class PvRegistry {
  private readonly pvs = new Map<string, Pv>();
  private readonly removeListeners = new Set<(pv: Pv) => void>();

  get(name: string): Pv | undefined {
    return this.pvs.get(name);
  }

  /** Adds `pv` (replacing, and so disconnecting, one of the same name). */
  add(pv: Pv): void {
    const old = this.pvs.get(pv.name);
    if (old === pv) return;
    if (old) this.remove(old.name);
    this.pvs.set(pv.name, pv);
  }

  /** Removes the PV called `name`; channels on it are disconnected (SERVER_DISCONN). */
  remove(name: string): void {
    const pv = this.pvs.get(name);
    if (!pv) return;
    this.pvs.delete(name);
    for (const l of [...this.removeListeners]) l(pv);
  }

  /** Calls `fn` with every PV removed from now on; returns its remover. */
  onRemove(fn: (pv: Pv) => void): () => void {
    this.removeListeners.add(fn);
    return () => this.removeListeners.delete(fn);
  }

  names(): IterableIterator<string> {
    return this.pvs.keys();
  }

  get size(): number {
    return this.pvs.size;
  }
}
