/**
 * Who may connect (PROTOCOL-NOTES.md §1.5): an optional shared token, compared in constant time, on
 * `/ws` and `/audio`; without it, a Host that names this machine's loopback (or an allowed origin's
 * host); a browser Origin that must match the Host (or an allowed list); no Origin (terminal
 * clients, players) only with the token or from loopback, not through a proxy.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { quoted } from '../../protocol/index.js';

export interface AccessPolicy {
  /** Shared secret; null lets anyone who can reach the port in. */
  token: string | null;
  /** Extra browser origins allowed besides the server's own (`https://example.org`). */
  allowOrigins: readonly string[];
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.replace(/^::ffff:/, '');
  return a === '::1' || a.startsWith('127.') || a === 'localhost';
}

/**
 * `--allow-origin`'s comma-separated list, each written as a browser sends it in Origin: scheme,
 * host and a port only when not the default, no path. `https://Example.org:443/` is read as
 * `https://example.org`, so a trailing slash or capital letter does not make an origin that never
 * matches; anything that is not an http(s) origin is refused.
 */
export function parseOrigins(list: string): string[] {
  return list.split(',').map((o) => o.trim()).filter(Boolean).map((text) => {
    let url: URL | null = null;
    try {
      url = new URL(text);
    } catch {
      // reported below
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username) {
      throw new Error(`${text.slice(0, 100)} is not an origin: scheme, host and port only, like https://example.org`);
    }
    return url.origin;
  });
}

/** The host name of a Host header (`[::1]:8360` → `::1`), lower case, without a trailing dot. */
function hostNameOf(host: string): string {
  const close = host.indexOf(']');
  const name = host.startsWith('[') ? host.slice(1, close < 0 ? undefined : close) : host.replace(/:\d*$/, '');
  return name.toLowerCase().replace(/\.$/, '');
}

/**
 * Whether a request's Host lets a server without a token answer it: a loopback name (`localhost`,
 * `*.localhost`, 127.x.y.z, `[::1]`) or the host of an origin the operator allowed. Such a server
 * listens on loopback only, so any other name is a page that had its own name point at 127.0.0.1
 * (DNS rebinding) to pass the Origin check as the server's own origin.
 */
export function localHost(host: string | undefined, allowOrigins: readonly string[]): boolean {
  // No Host at all: not a browser, which always sends it.
  if (host === undefined) return true;
  const name = hostNameOf(host);
  if (name === 'localhost' || name.endsWith('.localhost') || (isIP(name) !== 0 && isLoopback(name))) return true;
  return allowOrigins.some((origin) => new URL(origin).hostname.toLowerCase() === name);
}

/** True when binding `host` exposes the server beyond this machine. */
export function exposesBeyondLoopback(host: string): boolean {
  if (host === 'localhost') return false;
  return !(isIP(host) !== 0 && isLoopback(host));
}

/**
 * A request a proxy passed on (nginx in front: deploy/nginx.conf sets X-Forwarded-For) comes from
 * the proxy's address for someone who may be anywhere: loopback then says nothing about them.
 */
export function forwarded(req: IncomingMessage): boolean {
  const h = req.headers;
  return h['x-forwarded-for'] !== undefined || h['forwarded'] !== undefined || h['x-real-ip'] !== undefined;
}

/** Digests first, so the comparison takes the same time whatever the lengths. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token from `?token=` or `Authorization: Bearer …`. */
function presentedToken(req: IncomingMessage, url: URL): string | null {
  const query = url.searchParams.get('token');
  if (query !== null) return query;
  const auth = req.headers.authorization;
  const m = auth ? /^Bearer\s+(.+)$/i.exec(auth) : null;
  return m ? m[1]!.trim() : null;
}

export type AccessDecision = { ok: true } | { ok: false; status: 401 | 403; reason: string };

/** Checks a request for `/ws` or `/audio`. */
export function checkAccess(req: IncomingMessage, url: URL, policy: AccessPolicy): AccessDecision {
  let tokenOk = false;
  if (policy.token !== null) {
    const given = presentedToken(req, url);
    if (given === null || !sameSecret(given, policy.token)) return { ok: false, status: 401, reason: 'a valid token is required' };
    tokenOk = true;
  } else if (!localHost(req.headers.host, policy.allowOrigins)) {
    return { ok: false, status: 403, reason: `host ${quoted(req.headers.host)} is not this machine's: open the server as 127.0.0.1 or localhost, or give it a --token` };
  }
  const origin = req.headers.origin;
  if (origin === undefined) {
    if (tokenOk || (isLoopback(req.socket.remoteAddress) && !forwarded(req))) return { ok: true };
    return { ok: false, status: 403, reason: forwarded(req) ? 'requests without an Origin need the token (this one came through a proxy)' : 'requests without an Origin need the token' };
  }
  const host = req.headers.host;
  const own = host ? [`http://${host}`, `https://${host}`] : [];
  if (own.includes(origin) || policy.allowOrigins.includes(origin)) return { ok: true };
  return { ok: false, status: 403, reason: `origin ${origin.slice(0, 100)} is not allowed` };
}
