/** Looks up accounts and drops privileges completely (groups first, then gid, then uid). */
import { errnoError } from '@svkit/diag';
import { getgrouplist, getpwnam, setgid, setgroups, setuid, type Passwd } from './libc.js';

/** Looks up `name`; throws ENOENT-coded error "unknown account NAME" when absent. */
export function lookupUser(name: string): Passwd {
  const pw = getpwnam(name);
  if (!pw) throw Object.assign(errnoError('ENOENT', `unknown account ${name}`), { unknownAccount: true });
  return pw;
}

/** Drops to `pw`: supplementary groups exactly the user's, primary gid, then uid. */
export function dropPrivileges(pw: Passwd): void {
  setgroups(getgrouplist(pw.name, pw.gid));
  setgid(pw.gid);
  setuid(pw.uid);
}
