/** A console client that reads as fast as it can and only counts bytes. */
import net from 'node:net';

/** A connected, draining client. */
export interface DrainClient {
  bytes(): number;
  close(): void;
}

/** Connects to the UNIX socket `path`; resolves once connected. */
export function drainClient(path: string): Promise<DrainClient> {
  return new Promise((resolve, reject) => {
    let n = 0;
    const s = net.connect(path);
    s.on('data', (d: Buffer) => {
      n += d.length;
    });
    s.once('connect', () => {
      s.off('error', reject);
      s.on('error', () => {});
      resolve({ bytes: () => n, close: () => s.destroy() });
    });
    s.once('error', reject);
  });
}
