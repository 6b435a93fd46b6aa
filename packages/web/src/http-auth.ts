/**
 * Who may do what: HTTP basic auth as supervisord's [inet_http_server] (an operator account, whose
 * password may be `{SHA}` + hex SHA-1, and an optional read-only viewer account), and the checks
 * that keep other web sites out: Host (DNS rebinding) and Origin (cross-site requests, WebSocket
 * hijacking), and a custom header on control requests (a plain form or a no-cors fetch cannot send one).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** One account. */
export interface Account {
  user: string;
  /** Clear text, or `{SHA}` + 40 hex digits. */
  password: string;
}

/** The server's access settings. */
export interface AccessConfig {
  operator?: Account;
  viewer?: Account;
  /** Nobody may control (page and metrics only). */
  readOnly: boolean;
}

/** What a request may do. */
export type Role = 'operator' | 'viewer';

/** The header a control request must carry (the page sends it; so does `curl -H`). */
export const CONTROL_HEADER = 'x-svweb-control';

function same(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

function passwordMatches(stored: string, given: string): boolean {
  if (stored.startsWith('{SHA}')) return same(stored.slice(5).toLowerCase(), createHash('sha1').update(given).digest('hex'));
  return same(stored, given);
}

/** True when an account is configured (the server may then listen beyond loopback). */
export const authConfigured = (c: AccessConfig): boolean => c.operator !== undefined || c.viewer !== undefined;

/** The role of a request, or undefined when it must get a 401. */
export function roleOf(req: IncomingMessage, c: AccessConfig): Role | undefined {
  const cap = (r: Role): Role => (c.readOnly ? 'viewer' : r);
  if (!authConfigured(c)) return cap('operator');
  const h = req.headers.authorization ?? '';
  const m = /^Basic\s+([A-Za-z0-9+/=]{1,1024})\s*$/i.exec(h);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  const user = decoded.slice(0, i);
  const pass = decoded.slice(i + 1);
  if (c.operator && same(user, c.operator.user) && passwordMatches(c.operator.password, pass)) return cap('operator');
  if (c.viewer && same(user, c.viewer.user) && passwordMatches(c.viewer.password, pass)) return 'viewer';
  return undefined;
}

const LOOPBACK_HOST = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])(:\d{1,5})?$/i;

/**
 * Host check against DNS rebinding: without accounts, only loopback names are served (a page on
 * evil.example resolved to 127.0.0.1 sends Host: evil.example).
 */
export function hostAllowed(req: IncomingMessage, c: AccessConfig): boolean {
  if (authConfigured(c)) return true;
  return LOOPBACK_HOST.test(req.headers.host ?? '');
}

/** Origin check: a request carrying an Origin must come from this server's own origin. */
export function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const host = req.headers.host;
  return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
}

/** A control request (POST) from our page or a deliberate client: custom header, same origin, JSON. */
export function controlRequestAllowed(req: IncomingMessage): boolean {
  return req.headers[CONTROL_HEADER] !== undefined && originAllowed(req) && /^application\/json\b/i.test(req.headers['content-type'] ?? '');
}
