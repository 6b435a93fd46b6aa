/** svok's test, in-process: supervise runs in DIR when supervise/ok opens for writing without blocking. */
import { closeSync, constants, openSync } from 'node:fs';
import { join } from 'node:path';

/** True when `dir`'s supervisor is running (open(supervise/ok, O_WRONLY|O_NONBLOCK) succeeds). */
export function okOpens(dir: string): boolean {
  try {
    closeSync(openSync(join(dir, 'supervise/ok'), constants.O_WRONLY | constants.O_NONBLOCK));
    return true;
  } catch {
    return false;
  }
}
