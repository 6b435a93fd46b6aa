/**
 * Who gets a console name in svconserver's output. The rule:
 *  1. A trusted service (its directory and run owned by root, or by the user running svconserver,
 *     and writable by no one else) claims its name first; among trusted services, the first by
 *     service name keeps a name claimed twice.
 *  2. A service of another user's (its directory owned by uid U) may use its own service name, or a
 *     name that is neither a trusted service's console name nor another service directory's name;
 *     among such services, the first by service name keeps a name claimed twice.
 * Whatever loses is left out with a warning: another user's service can neither take the name of
 * root's IOC (so conserver users reach root's IOC by that name only) nor shadow a service that
 * has no console yet.
 */

/** A console name a service asks for. */
export interface Claim {
  name: string;
  service: string;
  /** The service's own name as a console name (conserverName(undefined, service)). */
  ownName: string;
  trusted: boolean;
  /** Why it is not trusted (e.g. `owned by uid 65534`), for the warnings. */
  why: string;
}

/** The claims that got their name, and the others with the reason. */
export interface NameAssignment {
  granted: Claim[];
  refused: { service: string; reason: string }[];
}

/**
 * Assigns console names; `serviceNames` are the names of every service directory of the scan (as
 * console names: conserverName(undefined, service)).
 */
export function assignNames(claims: Claim[], serviceNames: string[]): NameAssignment {
  const byName = new Map<string, Claim>();
  const granted: Claim[] = [];
  const refused: { service: string; reason: string }[] = [];
  const sorted = [...claims].sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
  for (const c of sorted.filter((x) => x.trusted)) {
    const other = byName.get(c.name);
    if (other) {
      refused.push({ service: c.service, reason: `unable to use ${c.service}: console name ${c.name} is already used by ${other.service}` });
      continue;
    }
    byName.set(c.name, c);
    granted.push(c);
  }
  const dirNames = new Set(serviceNames);
  for (const c of sorted.filter((x) => !x.trusted)) {
    const other = byName.get(c.name);
    if (other?.trusted) {
      refused.push({ service: c.service, reason: `unable to use ${c.service}: console name ${c.name} belongs to ${other.service} (a service ${c.why} cannot take a trusted service's name)` });
      continue;
    }
    if (c.name !== c.ownName && dirNames.has(c.name)) {
      refused.push({ service: c.service, reason: `unable to use ${c.service}: console name ${c.name} is the name of another service (a service ${c.why} may use its own name or a free one)` });
      continue;
    }
    if (other) {
      refused.push({ service: c.service, reason: `unable to use ${c.service}: console name ${c.name} is already used by ${other.service}` });
      continue;
    }
    byName.set(c.name, c);
    granted.push(c);
  }
  return { granted, refused };
}
