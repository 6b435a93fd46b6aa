/** Reads and parses the config file: bounded, never blocking on a FIFO or device. */
import { readBounded } from '@svkit/protocol/safe-read';
import { parseConfig, type ParseResult } from './config-parse.js';

/** Largest config file read. */
export const CONFIG_CAP = 1024 * 1024;

/** Reads `path` and parses it; throws the read's errno error (ENOENT, ENOTREG, EFBIG). */
export function loadConfig(path: string): ParseResult {
  const r = readBounded(path, CONFIG_CAP, { follow: true });
  if (r.truncated) throw Object.assign(new Error(`${path} is larger than ${CONFIG_CAP} bytes`), { code: 'EFBIG' });
  return parseConfig(r.data.toString('utf8'));
}
