/**
 * The trusted proxies (TRUSTED_PROXIES) and the login with the government digital-signature
 * certificate (CERT_*), from the parsed environment. Pure: every problem found is added to
 * `problems` (start-up then stops, naming each). README, "Login with the digital-signature
 * certificate".
 */
import type { Env } from './schema.js';
import { parseNetworkList, type IpNetwork } from '../domain/networks.js';

/**
 * How a certificate names its account: the subject's UID, the e-mail in subjectAltName, or a
 * directory attribute holding "<issuer DN>;<serial>" (domain/certificate-binding.ts).
 */
export type CertificateMapRule = 'uid' | 'email' | { attribute: string };

export interface CertificateSettings {
  /** The dedicated origin (another host or port than the issuer's) where browsers are asked for a certificate. */
  loginUrl: string;
  /** PEM file of the trusted CAs and intermediates (CERT_CA_FILE). */
  caFile: string;
  /** PEM (or DER) file of the CAs' CRLs; undefined: revocation is not checked. */
  crlFile?: string | undefined;
  /** The request header the proxy writes the URL-escaped PEM in, lower case (CERT_HEADER). */
  header: string;
  map: CertificateMapRule;
  /** A certificate alone signs in (CERT_FIRST_FACTOR); otherwise it is only a second factor. */
  firstFactor: boolean;
}

const HEADER = /^[A-Za-z0-9-]{1,64}$/;
const ATTRIBUTE = /^[A-Za-z][A-Za-z0-9-]{0,63}$/;

function mapRule(text: string, ldap: boolean, problems: string[]): CertificateMapRule {
  const t = text.trim();
  if (t.toLowerCase() === 'uid' || t.toLowerCase() === 'email') return t.toLowerCase() as 'uid' | 'email';
  const m = /^attribute:(.*)$/i.exec(t);
  if (m && ATTRIBUTE.test(m[1]!.trim())) {
    if (!ldap) problems.push('CERT_MAP: attribute:<name> needs an LDAP directory (LDAP_URL)');
    return { attribute: m[1]!.trim() };
  }
  problems.push('CERT_MAP: must be uid, email or attribute:<LDAP attribute name>');
  return 'uid';
}

/** TRUSTED_PROXIES -> networks (empty: none named). */
export function trustedProxies(text: string, problems: string[]): IpNetwork[] {
  try {
    return parseNetworkList(text);
  } catch (err) {
    problems.push(`TRUSTED_PROXIES: ${(err as Error).message}`);
    return [];
  }
}

function loginOrigin(text: string, issuer: string, production: boolean, problems: string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problems.push('CERT_LOGIN_URL: must be an address such as https://sso.tinh.gov.vn:8443');
    return undefined;
  }
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) problems.push('CERT_LOGIN_URL: only a scheme, a host and a port (no path, query or user)');
  if (url.protocol !== 'https:' && (production || url.protocol !== 'http:')) problems.push('CERT_LOGIN_URL: must be https:// (a TLS client certificate needs TLS)');
  if (url.host === new URL(issuer).host) problems.push('CERT_LOGIN_URL: must be another host or port than ISSUER\'s, so that no other page makes the browser ask for a certificate');
  return url.origin;
}

/** CERT_* -> the certificate login's settings, or undefined when CERT_LOGIN_URL is not set. */
export function certificateSettings(e: Env, issuer: string, proxies: readonly IpNetwork[], production: boolean, problems: string[], ldap = false): CertificateSettings | undefined {
  if (!e.CERT_LOGIN_URL) {
    if (e.CERT_FIRST_FACTOR) problems.push('CERT_FIRST_FACTOR: needs CERT_LOGIN_URL');
    return undefined;
  }
  const loginUrl = loginOrigin(e.CERT_LOGIN_URL, issuer, production, problems);
  if (!e.CERT_CA_FILE) problems.push('CERT_CA_FILE: required with CERT_LOGIN_URL (the CAs whose certificates are accepted)');
  if (!proxies.length) problems.push('TRUSTED_PROXIES: required with CERT_LOGIN_URL (the certificate header is believed only from these addresses)');
  if (!HEADER.test(e.CERT_HEADER)) problems.push('CERT_HEADER: must be a header name such as X-SSL-Client-Cert');
  const map = mapRule(e.CERT_MAP, ldap, problems);
  return {
    loginUrl: loginUrl ?? '',
    caFile: e.CERT_CA_FILE ?? '',
    crlFile: e.CERT_CRL_FILE || undefined,
    header: e.CERT_HEADER.toLowerCase(),
    map,
    firstFactor: e.CERT_FIRST_FACTOR,
  };
}
