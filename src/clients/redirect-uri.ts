/**
 * Which redirect URIs a client of each type may register. Pure. Matching at request time is
 * exact (oidc-provider compares strings); these rules decide what may be registered at all.
 * - web, spa: https; http only on a loopback host (development)
 * - native (RFC 8252): a private-use scheme in reverse-domain form (vn.gov.tinh.app:/cb),
 *   a loopback http URI (http://127.0.0.1/cb, http://[::1]/cb), or https
 */
import type { ClientType } from './types.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** What is wrong with a redirect URI, as a stable code (the console words it, the CLI too). */
export type UriIssue =
  | { why: 'too_long' }
  | { why: 'not_absolute' }
  | { why: 'fragment' }
  | { why: 'credentials' }
  | { why: 'no_host' }
  | { why: 'http_not_loopback' }
  | { why: 'private_scheme'; scheme: string }
  | { why: 'scheme'; scheme: string };

/** What is wrong with `uri` for a client of this type, or null. */
export function redirectUriIssue(uri: string, type: ClientType): UriIssue | null {
  if (uri.length > 2000) return { why: 'too_long' };
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return { why: 'not_absolute' };
  }
  if (url.hash || uri.includes('#')) return { why: 'fragment' };
  if (url.username || url.password) return { why: 'credentials' };
  const scheme = url.protocol.slice(0, -1);
  if (scheme === 'https') return url.hostname ? null : { why: 'no_host' };
  if (scheme === 'http') return LOOPBACK.has(url.hostname) ? null : { why: 'http_not_loopback' };
  if (type === 'native') return scheme.includes('.') ? null : { why: 'private_scheme', scheme };
  return { why: 'scheme', scheme };
}

/** The issue in the operator's words (the CLI, the logs). */
export function uriIssueText(issue: UriIssue, type: ClientType): string {
  switch (issue.why) {
    case 'too_long': return 'is longer than 2000 characters';
    case 'not_absolute': return 'is not an absolute URL';
    case 'fragment': return 'must not contain a fragment (#)';
    case 'credentials': return 'must not contain credentials';
    case 'no_host': return 'has no host';
    case 'http_not_loopback': return 'must use https (http is allowed only for loopback addresses)';
    case 'private_scheme': return `uses the private scheme "${issue.scheme}", which must be in reverse-domain form (e.g. vn.gov.tinh.app)`;
    case 'scheme': return `uses the scheme "${issue.scheme}"; only https (or http on loopback) is allowed for ${type} clients`;
  }
}

/** What is wrong with `uri` for a client of this type, in the operator's words, or null. */
export function redirectUriProblem(uri: string, type: ClientType): string | null {
  const issue = redirectUriIssue(uri, type);
  return issue ? uriIssueText(issue, type) : null;
}
