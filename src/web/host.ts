/**
 * Which host a request names, and whether it is the issuer's. Every URL the provider publishes
 * (discovery, endpoints, redirects) is built from ISSUER: a request that names another host,
 * in Host or (behind a trusted proxy) X-Forwarded-Host, is answered 421 Misdirected Request
 * instead of being served with URLs an attacker chose. Probes reach a few paths by address.
 * Pure apart from pinToIssuer, which rewrites the headers of a request already checked.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { translator } from './i18n/index.js';

/** Paths that load balancers and Prometheus reach by the instance's address: answered whatever the host. */
export const ADDRESS_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The hosts a request names: every value of X-Forwarded-Host when the proxy is trusted and the
 * header is there (the proxy passes a client's own X-Forwarded-Host on unless told otherwise),
 * else Host. Pure.
 */
export function namedHosts(headers: IncomingHttpHeaders, trustProxy: boolean): string[] {
  const forwarded = trustProxy ? headers['x-forwarded-host'] : undefined;
  if (forwarded !== undefined) return String(forwarded).split(',').map((h) => h.trim());
  return [headers.host ?? ''];
}

/**
 * Is `value` (a Host header: name or address, optional port) the issuer's host? Compared as
 * URL hosts: case and the scheme's default port do not matter; anything more than a host and
 * port (user info, a path) does not match. Pure.
 */
export function isIssuerHost(value: string, issuer: URL): boolean {
  if (!value || /[\s/\\@?#]/.test(value)) return false;
  try {
    return new URL(`${issuer.protocol}//${value}`).host === issuer.host;
  } catch {
    return false;
  }
}

/** Does the request name a host other than the issuer's? Pure. */
export function isMisdirected(headers: IncomingHttpHeaders, trustProxy: boolean, issuer: URL): boolean {
  return namedHosts(headers, trustProxy).some((h) => !isIssuerHost(h, issuer));
}

/**
 * After the check: the request as oidc-provider and Express should read it, the issuer's host
 * and (behind the proxy) its scheme, whatever spelling of them the request used. Koa builds
 * every published URL from these headers.
 */
export function pinToIssuer(headers: IncomingHttpHeaders, trustProxy: boolean, issuer: URL): void {
  headers.host = issuer.host;
  delete headers['x-forwarded-host'];
  if (trustProxy) headers['x-forwarded-proto'] = issuer.protocol.slice(0, -1);
}

/** The 421 body: short plain text, Vietnamese then English, naming the issuer (never the host asked for). Pure. */
export function misdirectedBody(issuer: string): string {
  return `${translator('vi')('misdirected.body', { issuer })}\n${translator('en')('misdirected.body', { issuer })}\n`;
}
