/**
 * The checks of a client certificate forwarded by the TLS proxy, pure: the header's URL-escaped
 * PEM parsed, the chain built to a CA of CERT_CA_FILE (several CAs and intermediates may be
 * there; every certificate in that file is trusted), each certificate's dates against `now`,
 * and revocation against the CRLs already loaded and verified (trust.ts). No I/O, no clock.
 */
import { X509Certificate } from 'node:crypto';
import { normalSerial, rfc4514FromLines } from '../domain/certificate-binding.js';

export { normalSerial } from '../domain/certificate-binding.js';

/** Why a certificate is refused (each has its page and its audit outcome). */
export type CertificateRefusal = 'malformed' | 'foreign_ca' | 'expired' | 'not_yet_valid' | 'revoked' | 'crl_unavailable';

/** One CA's revocation list, its signature already checked against that CA. */
export interface RevocationList {
  /** Serial numbers revoked, normalised (normalSerial). */
  revoked: ReadonlySet<string>;
  thisUpdate: Date;
  /** After this the list is stale: certificates of that CA are refused until a newer list is loaded. */
  nextUpdate?: Date | undefined;
}

export interface TrustMaterial {
  cas: readonly X509Certificate[];
  /** By the CA's SHA-256 fingerprint; undefined: revocation is not checked (no CERT_CRL_FILE). */
  crls?: ReadonlyMap<string, RevocationList> | undefined;
}

/** What is kept and shown of a certificate: never its key or its whole content. */
export interface CertificateIdentity {
  subject: string;
  issuer: string;
  /** The issuer's DN in RFC 4514 order (CN=...,O=...,C=VN), as directories write it. */
  issuerDn: string;
  /** Upper-case hex, no leading zeros. */
  serial: string;
  /** The subject's UID attribute (0.9.2342.19200300.100.1.1), when it has one. */
  uid?: string | undefined;
  /** The e-mail addresses in subjectAltName. */
  emails: string[];
}

export type Verified = { ok: true; identity: CertificateIdentity } | { ok: false; reason: CertificateRefusal; identity?: CertificateIdentity | undefined };

/** Longest header accepted (an escaped PEM of a certificate with a 4096-bit key is about 3 KiB). */
export const MAX_HEADER_LENGTH = 16_384;
const MAX_DEPTH = 6;

/** The header's value ($ssl_client_escaped_cert: URL-escaped PEM) as a certificate, or null. */
export function parseForwardedCertificate(value: string | undefined): X509Certificate | null {
  if (!value || value.length > MAX_HEADER_LENGTH) return null;
  try {
    const pem = decodeURIComponent(value.replace(/\+/g, '%2B'));
    if (!/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/.test(pem.trim())) return null;
    return new X509Certificate(pem);
  } catch {
    return null;
  }
}

/** The certificates in a PEM bundle (CERT_CA_FILE). Throws when a block is not a certificate. */
export function parsePemBundle(text: string): X509Certificate[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

/** A DN as one line ("C=VN, O=..., CN=..."), as people read it in the audit trail. */
function oneLine(dn: string): string {
  return dn.split('\n').join(', ');
}

export function identityOf(cert: X509Certificate): CertificateIdentity {
  const uid = /^UID=(.*)$/m.exec(cert.subject)?.[1];
  const emails = (cert.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((part) => part.startsWith('email:'))
    .map((part) => part.slice('email:'.length).trim())
    .filter(Boolean);
  return { subject: oneLine(cert.subject), issuer: oneLine(cert.issuer), issuerDn: rfc4514FromLines(cert.issuer), serial: normalSerial(cert.serialNumber), uid: uid?.trim() || undefined, emails };
}

function issuerOf(cert: X509Certificate, cas: readonly X509Certificate[]): X509Certificate | undefined {
  return cas.find((ca) => ca.ca && cert.checkIssued(ca) && cert.verify(ca.publicKey));
}

/** The chain from `leaf` up to a self-signed CA of the file, or to the last one the file holds; null when it reaches none. */
export function buildChain(leaf: X509Certificate, cas: readonly X509Certificate[]): X509Certificate[] | null {
  const chain = [leaf];
  let current = leaf;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const up = issuerOf(current, cas);
    if (!up) return depth === 0 ? null : chain;
    chain.push(up);
    if (up.checkIssued(up) && up.verify(up.publicKey)) return chain;
    current = up;
  }
  return chain;
}

function datesRefusal(chain: readonly X509Certificate[], now: Date): CertificateRefusal | null {
  for (const c of chain) {
    if (now.getTime() > new Date(c.validTo).getTime()) return 'expired';
    if (now.getTime() < new Date(c.validFrom).getTime()) return 'not_yet_valid';
  }
  return null;
}

/** Each certificate below the top of the chain against its issuer's list. */
function revocationRefusal(chain: readonly X509Certificate[], crls: ReadonlyMap<string, RevocationList>, now: Date): CertificateRefusal | null {
  for (let i = 0; i + 1 < chain.length; i++) {
    const list = crls.get(chain[i + 1]!.fingerprint256);
    if (!list || (list.nextUpdate && list.nextUpdate.getTime() < now.getTime())) return 'crl_unavailable';
    if (list.revoked.has(normalSerial(chain[i]!.serialNumber))) return 'revoked';
  }
  return null;
}

/** The verdict on a presented certificate (null: the header held none that parses). */
export function verifyCertificate(cert: X509Certificate | null, trust: TrustMaterial, now: Date): Verified {
  if (!cert) return { ok: false, reason: 'malformed' };
  const identity = identityOf(cert);
  const chain = cert.ca ? null : buildChain(cert, trust.cas);
  if (!chain) return { ok: false, reason: 'foreign_ca', identity };
  const refusal = datesRefusal(chain, now) ?? (trust.crls ? revocationRefusal(chain, trust.crls, now) : null);
  return refusal ? { ok: false, reason: refusal, identity } : { ok: true, identity };
}
