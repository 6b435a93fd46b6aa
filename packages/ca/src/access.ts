/**
 * Who may write: a read-only switch, and optional lists of hosts and users (the names clients
 * give in HOST_NAME and CLIENT_NAME, as EPICS access security's HAG/UAG use them; a host entry
 * also matches the client's IP address).
 */

/** Write-access settings. */
export interface AccessOptions {
  readOnly?: boolean;
  /** Host names or IPv4 addresses allowed to write; undefined = any host. */
  writeHosts?: string[];
  /** User names allowed to write; undefined = any user. */
  writeUsers?: string[];
}

/** Decides write access for one client. */
export class AccessPolicy {
  private readonly hosts?: Set<string>;
  private readonly users?: Set<string>;
  readonly readOnly: boolean;

  constructor(o: AccessOptions = {}) {
    this.readOnly = o.readOnly ?? false;
    if (o.writeHosts) this.hosts = new Set(o.writeHosts.map((h) => h.toLowerCase()));
    if (o.writeUsers) this.users = new Set(o.writeUsers);
  }

  /** True when writes are limited by host or user lists (or forbidden). */
  get restricted(): boolean {
    return this.readOnly || this.hosts !== undefined || this.users !== undefined;
  }

  /** May a client that says it is `user` on `host`, connected from `ip`, write? */
  mayWrite(host: string, user: string, ip: string): boolean {
    if (this.readOnly) return false;
    if (this.hosts && !this.hosts.has(host.toLowerCase()) && !this.hosts.has(ip)) return false;
    if (this.users && !this.users.has(user)) return false;
    return true;
  }
}

/** Splits a list option ("a,b c") into its entries. */
export function splitList(s: string): string[] {
  return s.split(/[\s,]+/).filter(Boolean);
}
