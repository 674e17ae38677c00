/**
 * Which redirect URIs a client of each type may register. Pure. Matching at request time is
 * exact (oidc-provider compares strings); these rules decide what may be registered at all.
 * - web, spa: https; http only on a loopback host (development)
 * - native (RFC 8252): a private-use scheme in reverse-domain form (vn.gov.tinh.app:/cb),
 *   a loopback http URI (http://127.0.0.1/cb, http://[::1]/cb), or https
 */
import type { ClientType } from './types.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export function redirectUriProblem(uri: string, type: ClientType): string | null {
  if (uri.length > 2000) return 'is longer than 2000 characters';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.hash || uri.includes('#')) return 'must not contain a fragment (#)';
  if (url.username || url.password) return 'must not contain credentials';
  const scheme = url.protocol.slice(0, -1);
  if (scheme === 'https') return url.hostname ? null : 'has no host';
  if (scheme === 'http') {
    if (LOOPBACK.has(url.hostname)) return null;
    return 'must use https (http is allowed only for loopback addresses)';
  }
  if (type === 'native') {
    if (!scheme.includes('.')) return `uses the private scheme "${scheme}", which must be in reverse-domain form (e.g. vn.gov.tinh.app)`;
    return null;
  }
  return `uses the scheme "${scheme}"; only https (or http on loopback) is allowed for ${type} clients`;
}
