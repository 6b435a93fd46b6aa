/**
 * What all clients of one server hold, counted per client address and in total: circuits,
 * channels and monitors, each with a per-address and a total limit, and the bytes of output
 * queued in all circuits. A circuit takes before it creates and gives back when it drops.
 */
import type { Limits } from './limits.js';

/** Things counted per address and in total. */
export type Resource = 'circuits' | 'channels' | 'subs';

type Counts = Record<Resource, number>;

const zero = (): Counts => ({ circuits: 0, channels: 0, subs: 0 });

export class Quota {
  private readonly total = zero();
  private readonly byAddr = new Map<string, Counts>();
  private readonly perAddr: Counts;
  private readonly max: Counts;
  /** Output bytes queued in all circuits (not yet handed to the kernel). */
  queued = 0;

  constructor(l: Limits) {
    this.perAddr = { circuits: l.maxCircuitsPerAddr, channels: l.maxChannelsPerAddr, subs: l.maxSubsPerAddr };
    this.max = { circuits: l.maxCircuits, channels: l.maxChannelsTotal, subs: l.maxSubsTotal };
  }

  /** How many of `r` address `addr` (or, without it, everyone) holds. */
  count(r: Resource, addr?: string): number {
    return addr === undefined ? this.total[r] : this.byAddr.get(addr)?.[r] ?? 0;
  }

  /** Which limit one more `r` for `addr` would pass: 'address', 'total', or undefined when it fits. */
  over(r: Resource, addr: string): 'address' | 'total' | undefined {
    if (this.count(r, addr) >= this.perAddr[r]) return 'address';
    if (this.total[r] >= this.max[r]) return 'total';
    return undefined;
  }

  /** Takes one `r` for `addr` when it fits; false otherwise. */
  take(r: Resource, addr: string): boolean {
    if (this.over(r, addr)) return false;
    let c = this.byAddr.get(addr);
    if (!c) this.byAddr.set(addr, (c = zero()));
    c[r]++;
    this.total[r]++;
    return true;
  }

  /** Gives back `n` of `r` taken for `addr`. */
  give(r: Resource, addr: string, n = 1): void {
    const c = this.byAddr.get(addr);
    if (!c || n <= 0) return;
    const k = Math.min(n, c[r]);
    c[r] -= k;
    this.total[r] -= k;
    if (!c.circuits && !c.channels && !c.subs) this.byAddr.delete(addr);
  }
}
