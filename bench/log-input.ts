/** Deterministic, realistic log input: timestamped lines of 40-200 bytes with levels, components, words and numbers. */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';

const LEVELS = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'];
const COMPONENTS = ['http', 'db.pool', 'scheduler', 'auth', 'cache', 'worker-3', 'ioc:motor7', 'rpc'];
const WORDS = [
  'request', 'completed', 'started', 'connection', 'from', 'to', 'user', 'session', 'timeout', 'retrying', 'after',
  'GET', 'POST', '/api/v1/items', '/index.html', 'status', 'bytes', 'latency', 'queue', 'depth', 'flushed', 'record',
  'updated', 'failed:', 'resource', 'temporarily', 'unavailable', 'job', 'id', 'checksum', 'ok', 'the', 'a', 'of',
];

/** Writes about `mb` MiB of log lines to `path` and fsyncs it (so no write-back competes with the timed runs). */
export function writeLogInput(path: string, mb: number): number {
  let x = 12345;
  const rnd = (n: number): number => {
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    return x % n;
  };
  const fd = openSync(path, 'w');
  const target = mb * 1024 * 1024;
  let total = 0;
  let ms = Date.UTC(2025, 0, 1);
  try {
    while (total < target) {
      const lines: string[] = [];
      for (let i = 0; i < 5000; i++) {
        ms += rnd(50);
        const want = 40 + rnd(161); // 40..200 bytes including the newline
        let line = `${new Date(ms).toISOString()} ${LEVELS[rnd(LEVELS.length)]} [${COMPONENTS[rnd(COMPONENTS.length)]}]`;
        while (line.length < want - 1) {
          const k = rnd(10);
          line += k === 0 ? ` id=${rnd(1000000)}` : k === 1 ? ` ${rnd(5000)}ms` : ` ${WORDS[rnd(WORDS.length)]}`;
        }
        lines.push(line.slice(0, want - 1));
      }
      const chunk = Buffer.from(`${lines.join('\n')}\n`);
      writeSync(fd, chunk);
      total += chunk.length;
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return total;
}
